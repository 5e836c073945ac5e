import { AppError } from '../errors/app-error';

export interface FixedWindowOptions {
  /** Hits a key may take in one window. */
  limit: number;
  /** A key's window starts at its first hit and lasts this long. */
  windowMs: number;
  /** The detail of the 429 answer once a key has used its limit. */
  refusal: string;
  /** Keys remembered at most; when full, the key whose window started first is forgotten. */
  maxKeys?: number;
  /** Milliseconds since the epoch; tests pass a fake one. */
  clock?: () => number;
}

interface Window {
  start: number;
  count: number;
}

/**
 * A fixed-window counter per key, in memory (per instance). `take` counts a
 * hit or, once the key has used its limit in its current window, refuses with
 * 429 `rate_limited` and `retryAfterSeconds` (the seconds until that window
 * ends). Expired windows are forgotten as new keys arrive, and at most
 * `maxKeys` are kept.
 */
export class FixedWindowLimiter {
  /** In the order the windows started, so the expired ones are at the front. */
  private readonly windows = new Map<string, Window>();
  private readonly maxKeys: number;
  private readonly clock: () => number;

  constructor(private readonly options: FixedWindowOptions) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.clock = options.clock ?? Date.now;
  }

  /** Counts one hit for `key`, or throws 429 `rate_limited` without counting it. */
  take(key: string): void {
    const now = this.clock();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.options.windowMs) {
      window = { start: now, count: 0 };
      this.windows.delete(key);
      this.makeRoom(now);
      this.windows.set(key, window);
    }
    if (window.count >= this.options.limit) {
      const retryAfterSeconds = Math.max(
        1,
        Math.ceil((window.start + this.options.windowMs - now) / 1000),
      );
      throw new AppError('rate_limited', 'rate_limited', this.options.refusal, {
        retryAfterSeconds,
      });
    }
    window.count += 1;
  }

  /** Takes back a hit that turned out not to count. */
  giveBack(key: string): void {
    const window = this.windows.get(key);
    if (window && window.count > 0) window.count -= 1;
  }

  /** Forgets the key's hits. */
  reset(key: string): void {
    this.windows.delete(key);
  }

  /** Keys remembered now. */
  get size(): number {
    return this.windows.size;
  }

  private makeRoom(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.start < this.options.windowMs && this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}
