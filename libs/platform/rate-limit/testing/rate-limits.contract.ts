import { randomUUID } from 'node:crypto';
import type { RateLimitStore } from '../rate-limit-store.port';

/** Two handles on the same counters, as two instances of a service would hold. */
export type RateLimitsFactory = () => Promise<{
  instances: [RateLimitStore, RateLimitStore];
  close: () => Promise<void>;
}>;

const WINDOW = 60_000;
/** Far in the future, so a server that expires closed windows (a TTL index) never does so mid-test. */
const T0 = 4_000_000_000_000;

/** What every rate-limit store promises. Keys are unique so a shared server works. */
export function rateLimitsContract(open: RateLimitsFactory): void {
  let subject: Awaited<ReturnType<RateLimitsFactory>>;
  let store: RateLimitStore;
  beforeEach(async () => {
    subject = await open();
    store = subject.instances[0];
  });
  afterEach(async () => {
    await subject.close();
  });
  const key = () => `test-${randomUUID()}`;
  const takes = async (k: string, times: number, now = T0, limit = 3) => {
    const results = [];
    for (let i = 0; i < times; i += 1) results.push(await store.take(k, limit, WINDOW, now));
    return results;
  };

  describe('when a key is within its limit', () => {
    it('counts every hit up to the limit', async () => {
      expect(await takes(key(), 3)).toEqual([{ taken: true }, { taken: true }, { taken: true }]);
    });
  });

  describe('when a key has used its limit', () => {
    it('refuses with the time its window closes, counted from its first hit', async () => {
      const k = key();
      await takes(k, 3);
      expect(await store.take(k, 3, WINDOW, T0 + 15_000)).toEqual({
        taken: false,
        windowClosesAt: T0 + WINDOW,
      });
    });

    it('does not count the refused hits', async () => {
      const k = key();
      await takes(k, 8);
      expect(await takes(k, 3, T0 + WINDOW)).toEqual([
        { taken: true },
        { taken: true },
        { taken: true },
      ]);
    });

    it('does not limit other keys', async () => {
      await takes(key(), 3);
      expect(await takes(key(), 1)).toEqual([{ taken: true }]);
    });
  });

  describe('when the window of a key has closed', () => {
    it('opens a new one at the next hit, with a fresh count', async () => {
      const k = key();
      await takes(k, 3);
      const later = T0 + WINDOW + 5;
      await takes(k, 3, later);
      expect(await store.take(k, 3, WINDOW, later)).toEqual({
        taken: false,
        windowClosesAt: later + WINDOW,
      });
    });
  });

  describe('when a hit is given back', () => {
    it('no longer counts it', async () => {
      const k = key();
      await takes(k, 3);
      await store.giveBack(k, T0, WINDOW);
      expect(await takes(k, 2)).toEqual([
        { taken: true },
        expect.objectContaining({ taken: false }),
      ]);
    });

    it('never counts below zero', async () => {
      const k = key();
      await takes(k, 1);
      await store.giveBack(k, T0, WINDOW);
      await store.giveBack(k, T0, WINDOW);
      expect((await takes(k, 4)).filter((r) => r.taken)).toHaveLength(3);
    });

    it('changes nothing for a key it does not know', async () => {
      const k = key();
      await store.giveBack(k, T0, WINDOW);
      expect((await takes(k, 4)).filter((r) => r.taken)).toHaveLength(3);
    });

    it('leaves alone a window opened after the one the hit was counted in', async () => {
      const k = key();
      await takes(k, 1, T0, 1);
      await takes(k, 1, T0 + WINDOW, 1); // the first window has closed: a new one, full
      await store.giveBack(k, T0, WINDOW);
      expect(await takes(k, 1, T0 + WINDOW + 1, 1)).toEqual([
        { taken: false, windowClosesAt: T0 + 2 * WINDOW },
      ]);
    });
  });

  describe('when a key is reset', () => {
    it('forgets its hits and its window', async () => {
      const k = key();
      await takes(k, 3);
      expect(await store.reset(k, T0)).toBe(true);
      expect(await takes(k, 3, T0 + 1)).toEqual([
        { taken: true },
        { taken: true },
        { taken: true },
      ]);
      expect(await store.take(k, 3, WINDOW, T0 + 2)).toEqual({
        taken: false,
        windowClosesAt: T0 + 1 + WINDOW,
      });
    });

    it('says there was nothing to forget for a key it does not know, or no longer', async () => {
      const k = key();
      expect(await store.reset(k, T0)).toBe(false);
      await takes(k, 1);
      await store.reset(k, T0);
      expect(await store.reset(k, T0)).toBe(false);
    });
  });

  describe('when a key’s window has closed but is still stored', () => {
    it('forgets it, and says it was not counting any more', async () => {
      const base = key();
      await takes(`${base} a`, 3);
      await takes(`${base} b`, 3, T0 + WINDOW);
      expect(await store.reset(`${base} a`, T0 + WINDOW)).toBe(false);
      await takes(`${base} c`, 3);
      expect(await store.resetMatching(base, '', T0 + WINDOW)).toBe(1);
      expect(await store.resetMatching(base, '', T0 + WINDOW)).toBe(0);
      expect(await takes(`${base} a`, 1, T0 + 1)).toEqual([{ taken: true }]);
      expect(await takes(`${base} c`, 1, T0 + 1)).toEqual([{ taken: true }]);
    });
  });

  describe('when a key’s hits were all given back', () => {
    it('forgets it, and says it was not counting', async () => {
      const base = key();
      await takes(`${base} a`, 1);
      await store.giveBack(`${base} a`, T0, WINDOW);
      expect(await store.reset(`${base} a`, T0)).toBe(false);
      await takes(`${base} b`, 1);
      await store.giveBack(`${base} b`, T0, WINDOW);
      expect(await store.resetMatching(base, '', T0)).toBe(0);
    });
  });

  describe('when keys are reset by prefix', () => {
    it('forgets every key that starts with it, taking its characters literally', async () => {
      const base = key();
      const matching = [`${base} a_b%c.d*`, `${base} a_b%c.d*2`];
      const others = [`${base} aXbYc`, `${base}`, `x${base} a_b%c.d*`];
      for (const k of [...matching, ...others]) await takes(k, 3);
      expect(await store.resetMatching(`${base} a_b%c.d*`, '', T0)).toBe(2);
      for (const k of matching) expect(await takes(k, 1)).toEqual([{ taken: true }]);
      for (const k of others) {
        expect(await takes(k, 1)).toEqual([expect.objectContaining({ taken: false })]);
      }
    });
  });

  describe('when keys are reset by prefix and suffix', () => {
    it('forgets every key that starts with one and ends with the other, taken literally', async () => {
      const base = key();
      const matching = [`${base}:ann 203.0.113.7`, `${base}:b%_ 203.0.113.7`];
      const others = [
        `${base}:ann 203.0.113.70`,
        `${base}:ann 203x0y113z7`,
        `x${base}:ann 203.0.113.7`,
        `${base}:ann`,
      ];
      for (const k of [...matching, ...others]) await takes(k, 3);
      expect(await store.resetMatching(`${base}:`, ' 203.0.113.7', T0)).toBe(2);
      for (const k of matching) expect(await takes(k, 1)).toEqual([{ taken: true }]);
      for (const k of others) {
        expect(await takes(k, 1)).toEqual([expect.objectContaining({ taken: false })]);
      }
    });

    it('never takes one character as both the end of the prefix and the start of the suffix', async () => {
      const k = `${key()}:ab`;
      await takes(k, 3);
      expect(await store.resetMatching(k, 'b', T0)).toBe(0);
    });
  });

  describe('when instances share the store', () => {
    it('counts the hits of both against one limit', async () => {
      const k = key();
      const [a, b] = subject.instances;
      await a.take(k, 3, WINDOW, T0);
      await b.take(k, 3, WINDOW, T0);
      await a.take(k, 3, WINDOW, T0);
      expect(await b.take(k, 3, WINDOW, T0)).toEqual({ taken: false, windowClosesAt: T0 + WINDOW });
    });

    it('lets exactly the limit through when hits race from both', async () => {
      const k = key();
      const [a, b] = subject.instances;
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).take(k, 7, WINDOW, T0)),
      );
      expect(results.filter((r) => r.taken)).toHaveLength(7);
    });
  });
}
