import {
  startInvitationsTestApp,
  testUser,
  tokenOf,
  type InvitationsTestApp,
} from '../testing/invitations-test-app';
import { previewInvitation } from './preview-invitation';

describe('POST /invitations/:id/preview', () => {
  let t: InvitationsTestApp;
  const vendor = testUser('vendor', { companyName: 'Acme Supplies' });
  const preview = (id: string, token: string) =>
    t.call('POST', `/invitations/${id}/preview`, { body: { token } });

  beforeAll(async () => {
    t = await startInvitationsTestApp();
  });
  afterAll(() => t.close());

  describe('when the link is the invitation’s current one', () => {
    it('shows who invites whom until when, without a bearer token, and records nothing', async () => {
      const sent = await t.invite(vendor, { email: 'preview@example.com' });
      const head = await t.infra.eventStore.headPosition();
      const reply = await preview(sent.invitationId, tokenOf(sent.acceptUrl));
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        invitationId: sent.invitationId,
        status: 'pending',
        vendorId: vendor.companyId,
        vendorName: 'Acme Supplies',
        email: 'p***@example.com',
        expiresAt: sent.expiresAt,
      });
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });

    it('shows a cancelled invitation as cancelled', async () => {
      const sent = await t.invite(vendor, { email: 'preview-cancelled@example.com' });
      await t.call('POST', `/invitations/${sent.invitationId}/cancel`, { as: vendor });
      const reply = await preview(sent.invitationId, tokenOf(sent.acceptUrl));
      expect([reply.status, reply.body.status]).toEqual([200, 'cancelled']);
    });

    it('reads expired once past the expiry, as accepting would answer', async () => {
      const sent = await t.invite(vendor, { email: 'preview-late@example.com' });
      const late = new Date(Date.parse(sent.expiresAt) + 1);
      const store = t.infra.eventStore;
      const shown = await previewInvitation(
        store,
        sent.invitationId,
        tokenOf(sent.acceptUrl),
        late,
      );
      expect(shown.status).toBe('expired');
    });

    it('reads accepted and cancelled past the expiry as they are, not expired', async () => {
      const customer = testUser('customer', { email: 'preview-accepted@example.com' });
      const accepted = await t.invite(vendor, { email: customer.email });
      const body = { token: tokenOf(accepted.acceptUrl) };
      await t.call('POST', `/invitations/${accepted.invitationId}/accept`, { as: customer, body });
      const cancelled = await t.invite(vendor, { email: 'preview-cancelled-late@example.com' });
      await t.call('POST', `/invitations/${cancelled.invitationId}/cancel`, { as: vendor });
      const shown = await Promise.all(
        [accepted, cancelled].map(({ invitationId, acceptUrl, expiresAt }) => {
          const late = new Date(Date.parse(expiresAt) + 1);
          return previewInvitation(t.infra.eventStore, invitationId, tokenOf(acceptUrl), late);
        }),
      );
      expect(shown.map((s) => s.status)).toEqual(['accepted', 'cancelled']);
    });

    it('names no vendor when the vendor’s token carried no name', async () => {
      const sent = await t.invite(testUser('vendor'), { email: 'preview-unnamed@example.com' });
      const reply = await preview(sent.invitationId, tokenOf(sent.acceptUrl));
      expect(reply.body.vendorName).toBeNull();
    });
  });

  describe('when the link is not the current one', () => {
    it('refuses an older link with 410 and another token or invitation with 404, as accept does', async () => {
      const sent = await t.invite(vendor, { email: 'preview-old@example.com' });
      await t.call('POST', `/invitations/${sent.invitationId}/resend`, { as: vendor });
      const head = await t.infra.eventStore.headPosition();
      const old = await preview(sent.invitationId, tokenOf(sent.acceptUrl));
      expect([old.status, old.body.code]).toEqual([410, 'invitation_link_superseded']);
      const wrong = await preview(sent.invitationId, 'x'.repeat(43));
      const unknown = await preview('00000000-0000-4000-8000-000000000000', 'x'.repeat(43));
      for (const reply of [wrong, unknown]) {
        expect([reply.status, reply.body.code]).toEqual([404, 'invitation_invalid']);
      }
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });
  });
});
