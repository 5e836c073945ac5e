import { FixedWindowLimiter } from '../../../libs/platform/rate-limit/fixed-window-limiter';

export const INVITATION_RATE_LIMITER = Symbol('INVITATION_RATE_LIMITER');

/**
 * Sends and resends per vendor company, in fixed one-minute windows, in
 * memory (per instance). Beyond the limit: 429 `rate_limited`.
 */
export const invitationRateLimiter = (perMinute: number, clock: () => number = Date.now) =>
  new FixedWindowLimiter({
    limit: perMinute,
    windowMs: 60_000,
    refusal: 'Too many invitations; try again shortly.',
    clock,
  });
