/**
 * Where fixed-window counters live. In memory they hold for one instance;
 * the stores beside the read models (SQLite, MongoDB) are shared by every
 * instance that shares those, so a limit holds however many instances run.
 * Times are the caller's clock in milliseconds since the epoch, as for leases.
 */
export interface RateLimitStore {
  /**
   * Counts a hit on `key` unless the key has used `limit` hits in its current
   * window. A key's window opens at its first hit (or its first hit after the
   * last window closed) and closes `windowMs` later. Atomic: hits racing on
   * one key, from any instance, never count past the limit.
   */
  take(key: string, limit: number, windowMs: number, now: number): Promise<TakeResult>;
  /**
   * Takes back one hit counted at `takenAt` (never below zero), from the
   * window that hit was counted in: the one closing within `windowMs` after it.
   * Nothing when that window has closed and another opened, whose count is of
   * other hits, nor for an unknown key.
   */
  giveBack(key: string, takenAt: number, windowMs: number): Promise<void>;
  /**
   * Forgets the key's window and hits; whether it held hits in a window still
   * open at `now` (an operator is told so: a closed window, even one not swept
   * yet, or one whose hits were all given back, limits no one).
   */
  reset(key: string, now: number): Promise<boolean>;
  /**
   * Forgets every key made of `prefix`, anything, then `suffix`, both taken
   * literally (an operator lifting a lockout); how many held hits in a window open at `now`.
   */
  resetMatching(prefix: string, suffix: string, now: number): Promise<number>;
}

export type TakeResult = { taken: true } | { taken: false; windowClosesAt: number };

export const TAKEN: TakeResult = { taken: true };

/** Holding hits in a window still open at `now`: what a reset tells an operator it lifted. */
export const holdsHits = (window: { closesAt: number; count: number } | undefined, now: number) =>
  !!window && window.closesAt > now && window.count > 0;

/** Whether a hit at `takenAt` was counted in the window closing at `closesAt`. */
export const countedIn = (closesAt: number, takenAt: number, windowMs: number): boolean =>
  closesAt > takenAt && closesAt <= takenAt + windowMs;
