import { FixedWindowLimiter } from '../../../libs/platform/rate-limit/fixed-window-limiter';
import type { RateLimitStore } from '../../../libs/platform/rate-limit/rate-limit-store.port';

export const REGISTRATION_RATE_LIMITER = Symbol('REGISTRATION_RATE_LIMITER');

/**
 * Registrations and verification resends per client address, in fixed
 * one-hour windows counted in `store` (shared by every instance that shares
 * it). Each sends an email to an address the caller names, and a registration
 * hashes a password: unlimited, they would let anyone mail strangers and tie
 * up the hashing that logins wait on. Beyond the limit: 429 `rate_limited`.
 */
export const registrationRateLimiter = (
  perHour: number,
  store?: RateLimitStore,
  clock: () => number = Date.now,
) =>
  new FixedWindowLimiter({
    name: 'registrations',
    limit: perHour,
    windowMs: 3_600_000,
    refusal: 'Too many sign-ups or verification emails from this address; try again later.',
    store,
    clock,
  });
