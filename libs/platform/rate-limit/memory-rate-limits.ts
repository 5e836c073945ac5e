import {
  countedIn,
  holdsHits,
  TAKEN,
  type RateLimitStore,
  type TakeResult,
} from './rate-limit-store.port';

interface Window {
  closesAt: number;
  count: number;
}

/**
 * Counters in this process's memory: for one instance, and for tests.
 * Closed windows are forgotten as new keys arrive, and at most `maxKeys` are
 * kept (the key whose window opened first goes).
 */
export class MemoryRateLimits implements RateLimitStore {
  /** In the order the windows opened, so the closed ones are at the front. */
  private readonly windows = new Map<string, Window>();

  constructor(private readonly maxKeys = 100_000) {}

  async take(key: string, limit: number, windowMs: number, now: number): Promise<TakeResult> {
    let window = this.windows.get(key);
    if (!window || window.closesAt <= now) {
      window = { closesAt: now + windowMs, count: 0 };
      this.windows.delete(key);
      this.makeRoom(now);
      this.windows.set(key, window);
    }
    if (window.count >= limit) return { taken: false, windowClosesAt: window.closesAt };
    window.count += 1;
    return TAKEN;
  }

  async giveBack(key: string, takenAt: number, windowMs: number): Promise<void> {
    const window = this.windows.get(key);
    if (window && window.count > 0 && countedIn(window.closesAt, takenAt, windowMs)) {
      window.count -= 1;
    }
  }

  async reset(key: string, now: number): Promise<boolean> {
    const counting = holdsHits(this.windows.get(key), now);
    this.windows.delete(key);
    return counting;
  }

  async resetMatching(prefix: string, suffix: string, now: number): Promise<number> {
    let counting = 0;
    for (const [key, window] of this.windows) {
      if (key.length < prefix.length + suffix.length) continue;
      if (!key.startsWith(prefix) || !key.endsWith(suffix)) continue;
      if (holdsHits(window, now)) counting += 1;
      this.windows.delete(key); // deleting the entry being visited is safe for a Map
    }
    return counting;
  }

  /** Keys remembered now. */
  get size(): number {
    return this.windows.size;
  }

  private makeRoom(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.closesAt > now && this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}
