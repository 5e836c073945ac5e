import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwksCache,
  type JSONWebKeySet,
  type JWKSCacheInput,
  type JWTVerifyGetKey,
} from 'jose';

/** While identity cannot be reached, how often a request tries to fetch its keys again. */
const OUTAGE_RETRY_MS = 5_000;

export interface RemoteKeysOptions {
  /** How long a fetched key set is used before it is fetched again. */
  maxAgeMs: number;
  /** How long the last set fetched still serves while identity cannot be reached. */
  staleMaxAgeMs: number;
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
  const remote = createRemoteJWKSet(url, {
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

  const fetched: JWTVerifyGetKey = async (header, token) => {
    try {
      const key = await remote(header, token);
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
