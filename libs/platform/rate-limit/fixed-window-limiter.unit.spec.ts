import { FixedWindowLimiter, type FixedWindowOptions } from './fixed-window-limiter';

describe('FixedWindowLimiter', () => {
  let now = 0;
  const limiter = (options: Partial<FixedWindowOptions> = {}) =>
    new FixedWindowLimiter({
      limit: 3,
      windowMs: 60_000,
      refusal: 'Too many tries.',
      clock: () => now,
      ...options,
    });
  const takes = (l: FixedWindowLimiter, key: string, times: number) => {
    for (let i = 0; i < times; i += 1) l.take(key);
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
    it('counts every hit up to the limit', () => {
      const l = limiter();
      expect(() => takes(l, 'a', 3)).not.toThrow();
    });
  });

  describe('when a key has used its limit', () => {
    it('refuses with rate_limited and the seconds until its window ends', () => {
      const l = limiter();
      takes(l, 'a', 3);
      now += 15_500;
      expect(() => l.take('a')).toThrow(refusal(45));
    });

    it('keeps refusing without counting the refused hits', () => {
      const l = limiter();
      takes(l, 'a', 3);
      for (let i = 0; i < 5; i += 1) expect(() => l.take('a')).toThrow(refusal(60));
      now += 60_000;
      expect(() => takes(l, 'a', 3)).not.toThrow();
    });

    it('says at least one second in its last moment', () => {
      const l = limiter();
      takes(l, 'a', 3);
      now += 59_999;
      expect(() => l.take('a')).toThrow(refusal(1));
    });

    it('does not limit other keys', () => {
      const l = limiter();
      takes(l, 'a', 3);
      expect(() => takes(l, 'b', 3)).not.toThrow();
    });
  });

  describe('when the window of a key has passed', () => {
    it('starts a new window with a fresh count', () => {
      const l = limiter();
      takes(l, 'a', 3);
      now += 60_000;
      expect(() => takes(l, 'a', 3)).not.toThrow();
      expect(() => l.take('a')).toThrow(refusal(60));
    });
  });

  describe('when a key is reset', () => {
    it('forgets its hits, even during a refusal', () => {
      const l = limiter();
      takes(l, 'a', 3);
      l.reset('a');
      expect(() => takes(l, 'a', 3)).not.toThrow();
      expect(l.size).toBe(1);
    });
  });

  describe('when a hit is given back', () => {
    it('no longer counts it', () => {
      const l = limiter();
      takes(l, 'a', 3);
      l.giveBack('a');
      expect(() => l.take('a')).not.toThrow();
      expect(() => l.take('a')).toThrow(refusal(60));
    });

    it('ignores a key it does not know', () => {
      const l = limiter();
      l.giveBack('a');
      expect(l.size).toBe(0);
    });
  });

  describe('when keys keep arriving', () => {
    it('forgets the expired windows', () => {
      const l = limiter();
      takes(l, 'a', 3);
      l.take('b');
      now += 60_000;
      l.take('c');
      expect(l.size).toBe(1);
    });

    it('keeps at most maxKeys, forgetting the window that started first', () => {
      const l = limiter({ maxKeys: 2 });
      takes(l, 'a', 3);
      now += 1;
      takes(l, 'b', 3);
      now += 1;
      l.take('c');
      expect(l.size).toBe(2);
      expect(() => l.take('a')).not.toThrow();
      expect(() => l.take('c')).not.toThrow();
      expect(l.size).toBe(2);
    });

    it('stays within maxKeys under a flood of new keys', () => {
      const l = limiter({ maxKeys: 100 });
      for (let i = 0; i < 10_000; i += 1) {
        l.take(`key-${i}`);
        now += 1;
      }
      expect(l.size).toBe(100);
    });
  });
});
