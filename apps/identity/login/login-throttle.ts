import type { AppConfig } from '../../../libs/platform/config/config';
import { AppError } from '../../../libs/platform/errors/app-error';
import {
  FixedWindowLimiter,
  type Hit,
} from '../../../libs/platform/rate-limit/fixed-window-limiter';
import type { RateLimitStore } from '../../../libs/platform/rate-limit/rate-limit-store.port';
import { normaliseEmail } from '../../../libs/platform/validation/email-address';

export const LOGIN_THROTTLE = Symbol('LOGIN_THROTTLE');

/**
 * Failed logins, counted in `store` (shared by every instance that shares
 * it) twice: per (email, client IP), which stops guessing one account's
 * password, and per client IP alone, with a higher limit, which stops one
 * address trying a few passwords on many accounts. Past either limit,
 * attempts are refused with 429 `rate_limited` until the window that began
 * with the first failure has passed.
 */
export interface LoginThrottle {
  pairs: FixedWindowLimiter;
  addresses: FixedWindowLimiter;
}

export const loginThrottle = (
  limits: AppConfig['rateLimit'],
  store?: RateLimitStore,
  clock: () => number = Date.now,
): LoginThrottle => ({
  pairs: new FixedWindowLimiter({
    name: 'login-pairs',
    store,
    limit: limits.loginMaxFailedAttempts,
    windowMs: limits.loginLockoutSeconds * 1000,
    refusal: 'Too many failed logins; try again later.',
    clock,
  }),
  addresses: new FixedWindowLimiter({
    name: 'login-addresses',
    store,
    limit: limits.loginMaxFailedAttemptsPerIp,
    windowMs: limits.loginLockoutSeconds * 1000,
    refusal: 'Too many failed logins from this address; try again later.',
    clock,
  }),
});

/**
 * Runs a login attempt for (email, ip) under the throttle. A locked pair or
 * address is refused before the password is looked at. The attempt counts as
 * a failure from the start, so concurrent guesses cannot outrun the limits. A
 * success clears the pair and gives back the address's hit (but not its
 * earlier failures: logging in to one account must not reset the count of
 * guesses on others); an error other than wrong credentials (the store being
 * down) gives the attempt back.
 */
export async function throttledLogin<T>(
  throttle: LoginThrottle,
  pair: { email: string; ip: string },
  attempt: () => Promise<T>,
): Promise<T> {
  const address = await throttle.addresses.take(pair.ip);
  let guess: Hit;
  try {
    guess = await throttle.pairs.take(pairKey(pair.email, pair.ip));
  } catch (error) {
    await throttle.addresses.giveBack(address).catch(() => undefined);
    throw error;
  }
  let result: T;
  try {
    result = await attempt();
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'invalid_credentials')) {
      await Promise.all([
        throttle.pairs.giveBack(guess),
        throttle.addresses.giveBack(address),
      ]).catch(() => undefined);
    }
    throw error;
  }
  // A store that fails here costs this login nothing: the attempt stays counted as a failure.
  await Promise.all([throttle.pairs.reset(guess.key), throttle.addresses.giveBack(address)]).catch(
    () => undefined,
  );
  return result;
}

/** Email first, so every address's count for one email shares a prefix (emails hold no spaces). */
const pairKey = (email: string, ip: string) => `${email} ${ip}`;

/**
 * For an operator lifting a lockout: forgets the failed logins of `email`
 * (trimmed and lower-cased, as login takes it) from every address. Gives the
 * email as counted and how many addresses had failures for it.
 */
export async function clearFailedLoginsOfEmail(
  throttle: LoginThrottle,
  email: string,
): Promise<{ email: string; addresses: number }> {
  const normalised = normaliseEmail(email) as string;
  return {
    email: normalised,
    addresses: await throttle.pairs.resetMatching(pairKey(normalised, '')),
  };
}

/**
 * For an operator: forgets the failed logins from one client address, counted
 * against it across emails and against each email from it. How many counters.
 */
export async function clearFailedLoginsOfAddress(
  throttle: LoginThrottle,
  ip: string,
): Promise<number> {
  const [address, pairs] = await Promise.all([
    throttle.addresses.reset(ip),
    throttle.pairs.resetMatching('', pairKey('', ip)),
  ]);
  return Number(address) + pairs;
}
