import { invitationRateLimiter } from './invitation-rate-limiter';

describe('invitation rate limiter', () => {
  let now = 0;
  const limiter = () => invitationRateLimiter(2, undefined, () => now);

  beforeEach(() => (now = 1_000_000));

  describe('when a company is within its limit', () => {
    it('lets the requests through', async () => {
      const l = limiter();
      await l.take('a');
      await expect(l.take('a')).resolves.toBeDefined();
    });
  });

  describe('when a company is over its limit', () => {
    it('refuses with rate_limited and says when to retry', async () => {
      const l = limiter();
      await l.take('a');
      await l.take('a');
      now += 15_000;
      await expect(l.take('a')).rejects.toEqual(
        expect.objectContaining({
          kind: 'rate_limited',
          code: 'rate_limited',
          extra: { retryAfterSeconds: 45 },
        }),
      );
    });

    it('does not limit other companies', async () => {
      const l = limiter();
      await l.take('a');
      await l.take('a');
      await expect(l.take('b')).resolves.toBeDefined();
    });

    it('lets requests through again in the next minute', async () => {
      const l = limiter();
      await l.take('a');
      await l.take('a');
      now += 60_000;
      await expect(l.take('a')).resolves.toBeDefined();
    });
  });
});
