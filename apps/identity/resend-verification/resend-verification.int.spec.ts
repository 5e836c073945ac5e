import { identityFixture } from '../testing/identity-fixture';
import { VERIFICATION_RESEND_INTERVAL_MS } from '../user/user.decider';
import { verifyEmail } from '../verify-email/verify-email';
import { resendVerification } from './resend-verification';

describe('resendVerification', () => {
  let f: ReturnType<typeof identityFixture>;
  beforeEach(() => {
    f = identityFixture();
  });
  afterEach(() => f.close());

  const registeredAt = new Date('2026-11-26T10:00:00.000Z');
  const later = (ms: number) => new Date(registeredAt.getTime() + ms);
  const resend = (email: string, at: Date) => resendVerification(f.mailing(), email, f.context(at));

  describe('when the account is unverified and its last link is a minute old', () => {
    it('mails a new link that verifies, and the earlier link works too until it expires', async () => {
      await f.register({ email: 'ann@example.com' }, registeredAt);
      const first = f.tokenSentTo('ann@example.com');

      expect(await resend('ann@example.com', later(VERIFICATION_RESEND_INTERVAL_MS))).toBe(true);
      const second = f.tokenSentTo('ann@example.com');
      expect(second).not.toBe(first);

      const at = f.context(later(VERIFICATION_RESEND_INTERVAL_MS + 1000));
      // Anyone may ask for a resend: it must not kill the link the owner is about to open.
      await expect(verifyEmail(f.store, first, at)).resolves.toMatchObject({
        response: { emailVerified: true },
      });
      await expect(verifyEmail(f.store, second, at)).resolves.toMatchObject({
        response: { emailVerified: true },
      });
    });
  });

  describe('when the last link is less than a minute old', () => {
    it('mails nothing, records nothing, and the earlier link still works', async () => {
      await f.register({ email: 'ann@example.com' }, registeredAt);
      const head = await f.store.headPosition();
      expect(await resend('ann@example.com', later(VERIFICATION_RESEND_INTERVAL_MS - 1))).toBe(
        false,
      );
      expect(f.sent).toHaveLength(1);
      // The link is recorded only with its issue, so not even an unused link is left.
      expect(await f.store.headPosition()).toBe(head);
    });
  });

  describe('when the email is unknown or already verified', () => {
    it('mails nothing and records nothing', async () => {
      await f.register({ email: 'ann@example.com' }, registeredAt);
      await verifyEmail(f.store, f.tokenSentTo('ann@example.com'), f.context(later(1000)));
      const head = await f.store.headPosition();
      const at = later(VERIFICATION_RESEND_INTERVAL_MS * 2);
      expect(await resend('ann@example.com', at)).toBe(false);
      expect(await resend('nobody@example.com', at)).toBe(false);
      expect(f.sent).toHaveLength(1);
      expect(await f.store.headPosition()).toBe(head);
    });
  });
});
