import { MemoryRateLimits } from './memory-rate-limits';
import { rateLimitsContract } from './testing/rate-limits.contract';

describe('MemoryRateLimits', () => {
  rateLimitsContract(async () => {
    const store = new MemoryRateLimits();
    return { instances: [store, store], close: async () => undefined };
  });

  describe('when keys keep arriving', () => {
    const WINDOW = 60_000;

    it('forgets the closed windows', async () => {
      const store = new MemoryRateLimits();
      await store.take('a', 3, WINDOW, 0);
      await store.take('b', 3, WINDOW, 0);
      await store.take('c', 3, WINDOW, WINDOW);
      expect(store.size).toBe(1);
    });

    it('keeps at most maxKeys, forgetting the window that opened first', async () => {
      const store = new MemoryRateLimits(2);
      for (let i = 0; i < 3; i += 1) await store.take('a', 3, WINDOW, 0);
      for (let i = 0; i < 3; i += 1) await store.take('b', 3, WINDOW, 1);
      await store.take('c', 3, WINDOW, 2);
      expect(store.size).toBe(2);
      expect(await store.take('a', 3, WINDOW, 3)).toEqual({ taken: true });
      expect(await store.take('c', 3, WINDOW, 3)).toEqual({ taken: true });
      expect(store.size).toBe(2);
    });

    it('stays within maxKeys under a flood of new keys', async () => {
      const store = new MemoryRateLimits(100);
      for (let i = 0; i < 10_000; i += 1) await store.take(`key-${i}`, 3, WINDOW, i);
      expect(store.size).toBe(100);
    });
  });
});
