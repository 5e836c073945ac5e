import type { AppConfig } from '../../../libs/platform/config/config';
import { AppError } from '../../../libs/platform/errors/app-error';
import { FixedWindowLimiter } from '../../../libs/platform/rate-limit/fixed-window-limiter';

export const LOGIN_THROTTLE = Symbol('LOGIN_THROTTLE');

/**
 * Failed logins, in memory (per instance), counted twice: per (email, client
 * IP), which stops guessing one account's password, and per client IP alone,
 * with a higher limit, which stops one address trying a few passwords on many
 * accounts. Past either limit, attempts are refused with 429 `rate_limited`
 * until the window that began with the first failure has passed.
 */
export interface LoginThrottle {
  pairs: FixedWindowLimiter;
  addresses: FixedWindowLimiter;
}

export const loginThrottle = (
  limits: AppConfig['rateLimit'],
  clock: () => number = Date.now,
): LoginThrottle => ({
  pairs: new FixedWindowLimiter({
    limit: limits.loginMaxFailedAttempts,
    windowMs: limits.loginLockoutSeconds * 1000,
    refusal: 'Too many failed logins; try again later.',
    clock,
  }),
  addresses: new FixedWindowLimiter({
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
  const key = `${pair.ip} ${pair.email}`;
  throttle.addresses.take(pair.ip);
  try {
    throttle.pairs.take(key);
  } catch (error) {
    throttle.addresses.giveBack(pair.ip);
    throw error;
  }
  try {
    const result = await attempt();
    throttle.pairs.reset(key);
    throttle.addresses.giveBack(pair.ip);
    return result;
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'invalid_credentials')) {
      throttle.pairs.giveBack(key);
      throttle.addresses.giveBack(pair.ip);
    }
    throw error;
  }
}
