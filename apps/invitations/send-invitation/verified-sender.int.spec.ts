import { waitFor } from '../../../libs/testing/wait-for';
import {
  startInvitationsTestApp,
  testUser,
  type InvitationsTestApp,
} from '../testing/invitations-test-app';

describe('sending with INVITATIONS_REQUIRE_VERIFIED_SENDER=true', () => {
  let t: InvitationsTestApp;
  const verified = testUser('vendor');
  const unverified = { ...testUser('vendor'), emailVerified: false };

  beforeAll(async () => {
    t = await startInvitationsTestApp({ env: { INVITATIONS_REQUIRE_VERIFIED_SENDER: 'true' } });
  });
  afterAll(() => t.close());

  describe('when the vendor’s email is not verified', () => {
    it('refuses a send and a resend with 403 email_unverified, recording and mailing nothing', async () => {
      // Sent while the vendor's token still said verified; its email is out before counting.
      const { invitationId } = await t.invite(
        { ...unverified, emailVerified: true },
        { email: 'first@example.com' },
      );
      await waitFor(() => t.infra.mails.some((m) => m.to === 'first@example.com'));
      const head = await t.infra.eventStore.headPosition();
      const mails = t.infra.mails.length;
      const send = await t.call('POST', '/invitations', {
        as: unverified,
        body: { email: 'someone@example.com', firstName: 'A', lastName: 'B' },
      });
      const resend = await t.call('POST', `/invitations/${invitationId}/resend`, {
        as: unverified,
      });
      for (const reply of [send, resend]) {
        expect([reply.status, reply.body.code]).toEqual([403, 'email_unverified']);
      }
      expect(await t.infra.eventStore.headPosition()).toBe(head);
      expect(t.infra.mails.length).toBe(mails);
    });
  });

  describe('when the vendor’s email is verified', () => {
    it('sends as usual', async () => {
      const reply = await t.call('POST', '/invitations', {
        as: verified,
        body: { email: 'someone@example.com', firstName: 'A', lastName: 'B' },
      });
      expect(reply.status).toBe(201);
    });
  });
});
