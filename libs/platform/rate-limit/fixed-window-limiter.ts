import { withTimeout } from '../async/with-timeout';
import { AppError, unavailable } from '../errors/app-error';
import { metrics } from '../observability/metrics';
import { MemoryRateLimits } from './memory-rate-limits';
import type { RateLimitStore, TakeResult } from './rate-limit-store.port';

export interface FixedWindowOptions {
  /** Prefixes its keys in the store, which other limiters share. */
  name: string;
  /** Hits a key may take in one window. */
  limit: number;
  /** A key's window opens at its first hit and lasts this long. */
  windowMs: number;
  /** The detail of the 429 answer once a key has used its limit. */
  refusal: string;
  /** Where the counts live; in memory (this instance only) unless given. */
  store?: RateLimitStore;
  /** Milliseconds since the epoch; tests pass a fake one. */
  clock?: () => number;
  /** How long a store call may take before the request is refused with 503. */
  storeTimeoutMs?: number;
}

const STORE_TIMEOUT_MS = 3_000;

/** A hit `take` counted: what `giveBack` takes back. */
export interface Hit {
  key: string;
  /** When it was counted, by the limiter's clock. */
  at: number;
}

/**
 * A fixed-window counter per key. `take` counts a hit or, once the key has
 * used its limit in its current window, refuses with 429 `rate_limited` and
 * `retryAfterSeconds` (the seconds until that window closes). A store that
 * cannot answer refuses with 503 `rate_limits_unavailable`: nothing is let
 * through uncounted.
 */
export class FixedWindowLimiter {
  private readonly store: RateLimitStore;
  private readonly clock: () => number;

  constructor(private readonly options: FixedWindowOptions) {
    this.store = options.store ?? new MemoryRateLimits();
    this.clock = options.clock ?? Date.now;
  }

  /** Counts one hit for `key`, or throws 429 `rate_limited` without counting it. */
  async take(key: string): Promise<Hit> {
    const { name, limit, windowMs, refusal } = this.options;
    const now = this.clock();
    let result: TakeResult;
    try {
      result = await this.ask((s, k) => s.take(k, limit, windowMs, now), key);
    } catch (error) {
      metrics.rateLimits.inc({ limiter: name, outcome: 'unavailable' });
      throw error;
    }
    metrics.rateLimits.inc({ limiter: name, outcome: result.taken ? 'taken' : 'refused' });
    if (result.taken) return { key, at: now };
    const retryAfterSeconds = Math.max(1, Math.ceil((result.windowClosesAt - now) / 1000));
    throw new AppError('rate_limited', 'rate_limited', refusal, { retryAfterSeconds });
  }

  /**
   * Counts one hit for `key` and does `work`, taking the hit back if the work is refused
   * (an `AppError` other than `unavailable`, which records nothing): a limit on what is
   * done, so a caller's mistakes do not use it up. A dependency that fails keeps the hit,
   * since the work may have been done before the failure.
   */
  async counting<T>(key: string, work: () => Promise<T>): Promise<T> {
    const hit = await this.take(key);
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError && error.kind !== 'unavailable') {
        await this.giveBack(hit).catch(() => undefined); // one extra hit at worst
      }
      throw error;
    }
  }

  /** Takes back a hit that turned out not to count, from the window it was counted in. */
  giveBack({ key, at }: Hit): Promise<void> {
    return this.ask((s, k) => s.giveBack(k, at, this.options.windowMs), key);
  }

  /** Forgets the key's hits; whether it had any in a window still open. */
  reset(key: string): Promise<boolean> {
    return this.ask((s, k) => s.reset(k, this.clock()), key);
  }

  /**
   * Forgets the hits of every key made of `prefix`, anything, then `suffix`; how many were
   * counting. For an operator, so not bounded as a request is: a scan of every key may take long.
   */
  resetMatching(prefix: string, suffix = ''): Promise<number> {
    return this.ask((s, k) => s.resetMatching(k, suffix, this.clock()), prefix, Infinity);
  }

  private async ask<T>(
    call: (store: RateLimitStore, key: string) => Promise<T>,
    key: string,
    timeoutMs = this.options.storeTimeoutMs ?? STORE_TIMEOUT_MS,
  ): Promise<T> {
    try {
      const answer = call(this.store, `${this.options.name}:${key}`);
      if (timeoutMs === Infinity) return await answer;
      // A store that stalls (a replica set that cannot reach a majority) refuses like one that fails.
      return await withTimeout(
        answer,
        timeoutMs,
        () => new Error('the rate-limit store did not answer in time'),
      );
    } catch (cause) {
      throw unavailable(
        'rate_limits_unavailable',
        'Rate limits cannot be checked right now; retry shortly.',
        cause,
      );
    }
  }
}
