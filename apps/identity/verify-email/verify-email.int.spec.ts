import { identityFixture } from '../testing/identity-fixture';
import { VERIFICATION_TTL_MS } from '../user/user.decider';
import { verifyEmail } from './verify-email';

describe('verifyEmail', () => {
  let f: ReturnType<typeof identityFixture>;
  let userId: string;
  const registeredAt = new Date('2026-11-26T10:00:00Z');
  const at = (ms: number) => f.context(new Date(registeredAt.getTime() + ms));

  beforeEach(async () => {
    f = identityFixture();
    ({ userId } = (await f.register({ email: 'ann@example.com' }, registeredAt)).response);
  });
  afterEach(() => f.close());

  describe('when the token is the one mailed', () => {
    it('verifies the user and reports the position', async () => {
      const result = await verifyEmail(f.store, f.tokenSentTo('ann@example.com'), at(1000));
      expect(result).toEqual({
        response: { userId, emailVerified: true },
        position: await f.store.headPosition(),
      });
      const [last] = (await f.store.readStream(`user-${userId}`)).slice(-1);
      expect(last).toMatchObject({
        type: 'EmailVerified',
        data: { userId, email: 'ann@example.com', verifiedAt: '2026-11-26T10:00:01.000Z' },
      });
    });
  });

  describe('when the email is already verified', () => {
    it('answers the same and records nothing', async () => {
      const token = f.tokenSentTo('ann@example.com');
      const first = await verifyEmail(f.store, token, at(1000));
      const head = await f.store.headPosition();
      const again = await verifyEmail(f.store, token, at(VERIFICATION_TTL_MS * 2));
      // The position is still the verification's, so read-your-writes holds for the repeat too.
      expect(again).toEqual({
        response: { userId, emailVerified: true },
        position: first.position,
      });
      expect(await f.store.headPosition()).toBe(head);
    });
  });

  describe('when the token is wrong or late', () => {
    it.each([
      ['unknown', () => 'x'.repeat(43), 1000],
      ['expired', () => f.tokenSentTo('ann@example.com'), VERIFICATION_TTL_MS],
    ])('refuses an %s token with invalid_token and records nothing', async (_, token, after) => {
      const head = await f.store.headPosition();
      await expect(verifyEmail(f.store, token(), at(after))).rejects.toThrow(
        expect.objectContaining({
          kind: 'invalid',
          code: 'invalid_token',
          errors: [{ field: 'token', message: expect.any(String) }],
        }),
      );
      expect(await f.store.headPosition()).toBe(head);
    });
  });
});
