import { conflict, unavailable } from '../errors/app-error';
import { FixedWindowLimiter, type FixedWindowOptions } from './fixed-window-limiter';
import { metrics } from '../observability/metrics';
import { MemoryRateLimits } from './memory-rate-limits';
import type { RateLimitStore } from './rate-limit-store.port';

describe('FixedWindowLimiter', () => {
  let now = 0;
  const limiter = (options: Partial<FixedWindowOptions> = {}) =>
    new FixedWindowLimiter({
      name: 'tries',
      limit: 3,
      windowMs: 60_000,
      refusal: 'Too many tries.',
      clock: () => now,
      ...options,
    });
  const takes = async (l: FixedWindowLimiter, key: string, times: number) => {
    for (let i = 0; i < times; i += 1) await l.take(key);
  };
  const refusal = (retryAfterSeconds: number) =>
    expect.objectContaining({
      kind: 'rate_limited',
      code: 'rate_limited',
      message: 'Too many tries.',
      extra: { retryAfterSeconds },
    });

  beforeEach(() => (now = 1_000_000));

  describe('when a key is within its limit', () => {
    it('counts every hit up to the limit', async () => {
      await expect(takes(limiter(), 'a', 3)).resolves.toBeUndefined();
    });
  });

  describe('when a key has used its limit', () => {
    it('refuses with rate_limited and the seconds until its window closes', async () => {
      const l = limiter();
      await takes(l, 'a', 3);
      now += 15_500;
      await expect(l.take('a')).rejects.toEqual(refusal(45));
    });

    it('says at least one second in its last moment', async () => {
      const l = limiter();
      await takes(l, 'a', 3);
      now += 59_999;
      await expect(l.take('a')).rejects.toEqual(refusal(1));
    });

    it('counts again once a hit is given back, and afresh once the key is reset', async () => {
      const l = limiter();
      await takes(l, 'a', 2);
      await l.giveBack(await l.take('a'));
      await l.take('a');
      await expect(l.take('a')).rejects.toEqual(refusal(60));
      await l.reset('a');
      await expect(takes(l, 'a', 3)).resolves.toBeUndefined();
    });
  });

  describe('when a hit is given back after its window has closed', () => {
    it('leaves the new window’s count alone', async () => {
      const l = limiter({ limit: 1 });
      const first = await l.take('a');
      now += 60_000;
      await l.take('a'); // a new window, full
      await l.giveBack(first);
      await expect(l.take('a')).rejects.toEqual(refusal(60));
    });
  });

  describe('when counted work is refused', () => {
    it('takes its hit back, so only work done uses the limit', async () => {
      const l = limiter();
      const refused = () => Promise.reject(conflict('already_there', 'Already there.'));
      for (let i = 0; i < 5; i += 1) await expect(l.counting('a', refused)).rejects.toThrow();
      await expect(takes(l, 'a', 3)).resolves.toBeUndefined();
      await expect(l.take('a')).rejects.toEqual(refusal(60));
    });

    it('keeps the hit when a dependency failed, since the work may have been done', async () => {
      const l = limiter();
      const failed = () => Promise.reject(unavailable('store_down', 'Down.', new Error('x')));
      for (let i = 0; i < 3; i += 1) await expect(l.counting('a', failed)).rejects.toThrow();
      await expect(l.take('a')).rejects.toEqual(refusal(60));
    });
  });

  describe('when hits are checked', () => {
    it('counts each outcome in rate_limit_hits_total by limiter', async () => {
      const hits = async (outcome: string) =>
        (await metrics.rateLimits.get()).values.find(
          (v) => v.labels.limiter === 'counted' && v.labels.outcome === outcome,
        )?.value ?? 0;
      const l = limiter({ name: 'counted' });
      await takes(l, 'a', 3);
      await expect(l.take('a')).rejects.toEqual(refusal(60));
      expect([await hits('taken'), await hits('refused')]).toEqual([3, 1]);
    });
  });

  describe('when limiters share a store', () => {
    it('counts each under its own name', async () => {
      const store = new MemoryRateLimits();
      const [first, second] = [limiter({ store }), limiter({ store, name: 'other' })];
      await takes(first, 'a', 3);
      await expect(takes(second, 'a', 3)).resolves.toBeUndefined();
      await expect(first.take('a')).rejects.toEqual(refusal(60));
    });
  });

  describe('when the store cannot answer', () => {
    const broken: RateLimitStore = {
      take: () => Promise.reject(new Error('database is locked')),
      giveBack: () => Promise.reject(new Error('database is locked')),
      reset: () => Promise.reject(new Error('database is locked')),
      resetMatching: () => Promise.reject(new Error('database is locked')),
    };

    it('refuses with 503 rate_limits_unavailable instead of letting the hit through', async () => {
      await expect(limiter({ store: broken }).take('a')).rejects.toEqual(
        expect.objectContaining({
          kind: 'unavailable',
          code: 'rate_limits_unavailable',
          extra: { retryAfterSeconds: 1 },
          cause: new Error('database is locked'),
        }),
      );
    });

    it('lets an operator’s reset of many keys take as long as it takes', async () => {
      const slow = {
        ...broken,
        resetMatching: () => new Promise<number>((resolve) => setTimeout(() => resolve(2), 60)),
      };
      await expect(limiter({ store: slow, storeTimeoutMs: 20 }).resetMatching('a')).resolves.toBe(
        2,
      );
    });

    it('refuses the same way when the store does not answer in time', async () => {
      const stalled = { ...broken, take: () => new Promise<never>(() => undefined) };
      await expect(limiter({ store: stalled, storeTimeoutMs: 20 }).take('a')).rejects.toEqual(
        expect.objectContaining({ code: 'rate_limits_unavailable' }),
      );
    });
  });
});
