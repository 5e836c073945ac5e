import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { unauthenticated, unavailable } from '../platform/errors/app-error';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type Principal } from './principal';
import { keysUnreachable, remoteKeys } from './remote-keys';

export const JWT_VERIFIER = Symbol('JWT_VERIFIER');

export interface JwtVerifier {
  verify(token: string): Promise<Principal>;
}

export interface JwtVerifierOptions {
  /** Verified tokens remembered at once (least recently used go first); 0 turns the cache off. */
  cacheSize?: number;
  /**
   * Longest a verified token is trusted without checking its signature again,
   * and a fetched key set kept: a key withdrawn from the JWKS stops working
   * within about twice this time.
   */
  cacheMaxAgeMs?: number;
  /**
   * How long the last key set fetched still verifies while identity cannot be reached
   * (one hour, an access token's default lifetime, unless set).
   */
  staleKeysMaxAgeMs?: number;
  /** How long one fetch of the key set may take, its body included (5 s unless set). */
  keysFetchTimeoutMs?: number;
  /** At most this often (1 s unless set), a token that may be signed by a newer key fetches the set. */
  newerKeyFetchMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/**
 * Verifies access tokens against identity's JWKS (asymmetric keys, fetched and
 * cached by jose). A token whose signature and claims were verified is
 * remembered by its exact text until it expires (at most `cacheMaxAgeMs`), so
 * a client reusing its token pays for the signature check once. Failures are
 * never cached: an unknown key id still makes jose fetch the JWKS again.
 */
export function createJwtVerifier(
  keys: JWTVerifyGetKey | URL,
  options: JwtVerifierOptions = {},
): JwtVerifier {
  const maxAgeMs = options.cacheMaxAgeMs ?? 60_000;
  // jose keeps a fetched key set 10 minutes by default; as long as a verified token, so a
  // key withdrawn from the JWKS stops working within `maxAgeMs` once more.
  const getKey =
    keys instanceof URL
      ? remoteKeys(keys, {
          maxAgeMs,
          staleMaxAgeMs: options.staleKeysMaxAgeMs ?? 3_600_000,
          fetchTimeoutMs: options.keysFetchTimeoutMs,
          newerKeyFetchMs: options.newerKeyFetchMs,
        })
      : keys;
  const now = options.now ?? Date.now;
  const cacheSize = options.cacheSize ?? 10_000;
  const verified =
    cacheSize > 0
      ? new LRUCache<string, { principal: Principal; until: number }>({ max: cacheSize })
      : undefined;

  return {
    async verify(token) {
      if (!canonical(token)) throw invalidToken('The access token is malformed.');
      const hit = verified?.get(token);
      if (hit && now() < hit.until) return hit.principal;
      const { principal, expiresAtMs } = await verifySignature(token, getKey);
      verified?.set(token, { principal, until: Math.min(expiresAtMs, now() + maxAgeMs) });
      return principal;
    },
  };
}

async function verifySignature(
  token: string,
  getKey: JWTVerifyGetKey,
): Promise<{ principal: Principal; expiresAtMs: number }> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, getKey, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: ['ES256'],
      // Identity always sets them; a token without an expiry would never expire.
      requiredClaims: ['exp', 'iat', 'sub'],
    }));
  } catch (error) {
    if (keysUnreachable(error)) {
      throw unavailable(
        'auth_unavailable',
        "Identity's signing keys cannot be fetched right now; retry shortly.",
        error,
      );
    }
    throw invalidToken('The access token is missing, invalid or expired.');
  }
  const { sub, email, email_verified, account_type, company_id, company_name, exp } = payload;
  if (
    typeof sub !== 'string' ||
    typeof email !== 'string' ||
    typeof company_id !== 'string' ||
    (account_type !== 'customer' && account_type !== 'vendor')
  ) {
    throw invalidToken('The access token lacks required claims.');
  }
  return {
    principal: Object.freeze({
      userId: sub,
      email,
      emailVerified: email_verified === true,
      accountType: account_type,
      companyId: company_id,
      // Optional: tokens issued before identity added it have none.
      ...(typeof company_name === 'string' && company_name ? { companyName: company_name } : {}),
    }),
    // jose has checked that `exp` is there, a number in the future.
    expiresAtMs: (exp as number) * 1000,
  };
}

const invalidToken = (detail: string) => unauthenticated('invalid_access_token', detail);

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Spelled as it was signed: three base64url parts, nothing else, and a signature that encodes
 * back to itself. jose decodes a signature leniently (stray characters and spare bits are
 * skipped), so one token had endless spellings, each verified and cached on its own.
 */
function canonical(token: string): boolean {
  if (!COMPACT_JWS.test(token)) return false;
  const signature = token.slice(token.lastIndexOf('.') + 1);
  return Buffer.from(signature, 'base64url').toString('base64url') === signature;
}
