import type { AppConfig } from '../../../libs/platform/config/config';
import { AppError } from '../../../libs/platform/errors/app-error';
import { FixedWindowLimiter } from '../../../libs/platform/rate-limit/fixed-window-limiter';

export const LOGIN_THROTTLE = Symbol('LOGIN_THROTTLE');

/**
 * Failed logins per (email, client IP), in memory (per instance): after
 * `loginMaxFailedAttempts` within `loginLockoutSeconds` of the first, the pair
 * is refused with 429 `rate_limited` until that window has passed.
 */
export const loginThrottle = (
  limits: AppConfig['rateLimit'],
  clock: () => number = Date.now,
): FixedWindowLimiter =>
  new FixedWindowLimiter({
    limit: limits.loginMaxFailedAttempts,
    windowMs: limits.loginLockoutSeconds * 1000,
    refusal: 'Too many failed logins; try again later.',
    clock,
  });

/**
 * Runs a login attempt for (email, ip) under the throttle. A locked pair is
 * refused before the password is looked at. The attempt counts as a failure
 * from the start, so concurrent guesses cannot outrun the limit; a success
 * clears the pair, and an error other than wrong credentials (the store being
 * down) gives the attempt back.
 */
export async function throttledLogin<T>(
  throttle: FixedWindowLimiter,
  pair: { email: string; ip: string },
  attempt: () => Promise<T>,
): Promise<T> {
  const key = `${pair.ip} ${pair.email}`;
  throttle.take(key);
  try {
    const result = await attempt();
    throttle.reset(key);
    return result;
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'invalid_credentials')) {
      throttle.giveBack(key);
    }
    throw error;
  }
}
