import { AppError } from '../../../libs/platform/errors/app-error';

/**
 * Sends and resends per vendor company, in fixed one-minute windows, in
 * memory (per instance). Beyond the limit: 429 `rate_limited`.
 */
export class InvitationRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly clock: () => number = Date.now,
    private readonly windowMs = 60_000,
  ) {}

  take(companyId: string): void {
    const now = this.clock();
    if (this.windows.size > 10_000) this.forgetOld(now);
    let window = this.windows.get(companyId);
    if (!window || now - window.start >= this.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(companyId, window);
    }
    if (window.count >= this.perMinute) {
      const retryAfterSeconds = Math.ceil((window.start + this.windowMs - now) / 1000);
      throw new AppError(
        'rate_limited',
        'rate_limited',
        'Too many invitations; try again shortly.',
        {
          retryAfterSeconds,
        },
      );
    }
    window.count += 1;
  }

  private forgetOld(now: number): void {
    for (const [key, w] of this.windows)
      if (now - w.start >= this.windowMs) this.windows.delete(key);
  }
}
