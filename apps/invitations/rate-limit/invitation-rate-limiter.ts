import { FixedWindowLimiter } from '../../../libs/platform/rate-limit/fixed-window-limiter';
import type { RateLimitStore } from '../../../libs/platform/rate-limit/rate-limit-store.port';

export const INVITATION_RATE_LIMITER = Symbol('INVITATION_RATE_LIMITER');

/**
 * Sends and resends per vendor company, in fixed one-minute windows, counted
 * in `store` (shared by every instance that shares it). Beyond the limit:
 * 429 `rate_limited`.
 */
export const invitationRateLimiter = (
  perMinute: number,
  store?: RateLimitStore,
  clock: () => number = Date.now,
) =>
  new FixedWindowLimiter({
    name: 'invitations',
    limit: perMinute,
    windowMs: 60_000,
    refusal: 'Too many invitations; try again shortly.',
    store,
    clock,
  });
