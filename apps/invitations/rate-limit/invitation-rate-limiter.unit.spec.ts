import { invitationRateLimiter } from './invitation-rate-limiter';

describe('invitation rate limiter', () => {
  let now = 0;
  const limiter = () => invitationRateLimiter(2, () => now);

  beforeEach(() => (now = 1_000_000));

  describe('when a company is within its limit', () => {
    it('lets the requests through', () => {
      const l = limiter();
      expect(() => l.take('a')).not.toThrow();
      expect(() => l.take('a')).not.toThrow();
    });
  });

  describe('when a company is over its limit', () => {
    it('refuses with rate_limited and says when to retry', () => {
      const l = limiter();
      l.take('a');
      l.take('a');
      now += 15_000;
      expect(() => l.take('a')).toThrow(
        expect.objectContaining({
          kind: 'rate_limited',
          code: 'rate_limited',
          extra: { retryAfterSeconds: 45 },
        }),
      );
    });

    it('does not limit other companies', () => {
      const l = limiter();
      l.take('a');
      l.take('a');
      expect(() => l.take('b')).not.toThrow();
    });

    it('lets requests through again in the next minute', () => {
      const l = limiter();
      l.take('a');
      l.take('a');
      now += 60_000;
      expect(() => l.take('a')).not.toThrow();
    });
  });
});
