import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwksCache,
  type FlattenedJWSInput,
  type JWTHeaderParameters,
  type JSONWebKeySet,
  type JWKSCacheInput,
  type JWTVerifyGetKey,
} from 'jose';
import { deadlineAgent } from './deadline-agent';

/** While identity cannot be reached, how often a request tries to fetch its keys again. */
const OUTAGE_RETRY_MS = 5_000;
/**
 * A token issued up to this long before the set was fetched may still be signed by a key
 * published after: identity's clock and this service's may differ.
 */
const CLOCK_MARGIN_MS = 60_000;

export interface RemoteKeysOptions {
  /** How long a fetched key set is used before it is fetched again. */
  maxAgeMs: number;
  /** How long the last set fetched still serves while identity cannot be reached. */
  staleMaxAgeMs: number;
  /** How long one fetch of the set may take, its body included. */
  fetchTimeoutMs?: number;
  /** At most this often (1 s unless set), a token that may be signed by a newer key fetches the set. */
  newerKeyFetchMs?: number;
}

/**
 * Identity's JWKS, fetched and kept by jose. When identity cannot be reached, the last set
 * fetched keeps verifying for `staleMaxAgeMs`, and the fetch is tried again in the background
 * every OUTAGE_RETRY_MS, so requests neither fail nor each wait out a hanging identity. Without it,
 * a minute of identity down (a restart, a stall) failed every authenticated request elsewhere.
 * A key withdrawn from the set still stops working once identity answers.
 */
export function remoteKeys(url: URL, options: RemoteKeysOptions): JWTVerifyGetKey {
  const cache: JWKSCacheInput = {};
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 5_000;
  const remote = createRemoteJWKSet(url, {
    agent: deadlineAgent(url, fetchTimeoutMs),
    timeoutDuration: fetchTimeoutMs,
    cooldownDuration: 5_000,
    cacheMaxAge: options.maxAgeMs,
    [jwksCache]: cache,
  });
  let outage: { error: unknown; retryAt: number } | undefined;
  let local: { jwks: JSONWebKeySet; getKey: JWTVerifyGetKey } | undefined;

  const lastSet = (): JWTVerifyGetKey | undefined => {
    if (!('uat' in cache) || Date.now() - cache.uat >= options.staleMaxAgeMs) return undefined;
    if (local?.jwks !== cache.jwks)
      local = { jwks: cache.jwks, getKey: createLocalJWKSet(cache.jwks) };
    return local.getKey;
  };

  let newerKeyFetchedAt = -Infinity;
  const newerKeyFetchMs = options.newerKeyFetchMs ?? 1_000;
  /**
   * A key the set lacks, on a token issued since about when the set was fetched (within the
   * clocks' margin): identity may sign with a key it published after (a restart with a new key,
   * another replica). jose fetches again only after its 5 s cooldown, so a good token was
   * refused 401 meanwhile. Fetch now, or wait for the fetch under way; at most once a second,
   * and within that second a set fetched that recently lacks the key for good (401). The `iat`
   * read before the signature only decides on a fetch, which that bound keeps cheap whatever it
   * says (forged tokens with made-up key ids fetch the set once a second at most).
   */
  const newerKey = async (
    error: unknown,
    header: JWTHeaderParameters,
    token: FlattenedJWSInput,
  ) => {
    if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    const fetchedAt = 'uat' in cache ? cache.uat : undefined;
    const issuedAt = issuedAtMs(token);
    if (fetchedAt === undefined || issuedAt === undefined) throw error;
    if (issuedAt < fetchedAt - CLOCK_MARGIN_MS) throw error;
    if (!remote.reloading) {
      if (Date.now() - newerKeyFetchedAt < newerKeyFetchMs) throw error;
      newerKeyFetchedAt = Date.now();
    }
    await remote.reload(); // one under way is shared
    return remote(header, token);
  };

  const fetched: JWTVerifyGetKey = async (header, token) => {
    try {
      const key = await remote(header, token).catch((error) => newerKey(error, header, token));
      outage = undefined;
      return key;
    } catch (error) {
      outage = keysUnreachable(error)
        ? { error, retryAt: Date.now() + OUTAGE_RETRY_MS }
        : undefined;
      throw error;
    }
  };

  /** Fetches again in the background: no request waits for an identity that may hang. */
  const probe = (current: { retryAt: number }) => {
    current.retryAt = Date.now() + OUTAGE_RETRY_MS;
    remote.reload().then(
      () => (outage = undefined),
      () => undefined,
    );
  };

  return async (header, token) => {
    if (!outage) {
      try {
        return await fetched(header, token);
      } catch (error) {
        if (!outage || !lastSet()) throw error;
      }
    }
    const current = outage;
    const kept = lastSet();
    if (!kept) return fetched(header, token);
    if (Date.now() >= current.retryAt) probe(current);
    try {
      return await kept(header, token);
    } catch (error) {
      // A key the last set lacks may be one identity has published since: unknown until it answers.
      throw error instanceof errors.JWKSNoMatchingKey ? current.error : error;
    }
  };
}

/** The token's `iat` in ms, read before its signature is checked: only to decide on a fetch. */
function issuedAtMs(token: FlattenedJWSInput): number | undefined {
  try {
    const payload = typeof token.payload === 'string' ? token.payload : '';
    const { iat } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The JWKS could not be fetched (no answer, a dropped connection, a TLS or
 * HTTP failure, a timeout, an answer that is not a key set): that says nothing
 * about the token, so it is not a 401, which would tell the client to drop a
 * token that may be good.
 */
export function keysUnreachable(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  // A JOSEError of no particular kind is jose's word for a bad JWKS response (not 200, not JSON).
  if (error instanceof errors.JOSEError) return error.code === errors.JOSEError.code;
  // jose reports every fault of the token itself as a JOSEError; anything else came from fetching keys.
  return true;
}
