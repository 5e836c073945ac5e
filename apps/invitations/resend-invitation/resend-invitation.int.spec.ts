import { waitFor } from '../../../libs/testing/wait-for';
import { createInvitationExpiry } from '../expire-invitations/invitation-expiry';
import { MAX_RESENDS } from '../invitation/decide';
import {
  startInvitationsTestApp,
  testUser,
  tokenOf,
  type InvitationsTestApp,
} from '../testing/invitations-test-app';

describe('POST /invitations/:id/resend', () => {
  let t: InvitationsTestApp;
  const vendor = testUser('vendor');

  beforeAll(async () => {
    t = await startInvitationsTestApp();
  });
  afterAll(() => t.close());

  describe('when the invitation is pending', () => {
    it('answers with a new link and expiry, emails it, and the old link stops working', async () => {
      const customer = testUser('customer', { email: 'r1@example.com' });
      const first = await t.invite(vendor, { email: customer.email });
      const reply = await t.call('POST', `/invitations/${first.invitationId}/resend`, {
        as: vendor,
        body: { expiresInDays: 14 },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        invitationId: first.invitationId,
        status: 'pending',
        expiresAt: expect.any(String),
        acceptUrl: expect.stringContaining(`/invitations/${first.invitationId}/accept?token=`),
      });
      expect(reply.body.acceptUrl).not.toBe(first.acceptUrl);
      expect(Date.parse(reply.body.expiresAt as string)).toBeGreaterThan(
        Date.parse(first.expiresAt),
      );
      expect(reply.headers.get('x-event-position')).toBeTruthy();
      const mailsTo = () => t.infra.mails.filter((m) => m.to === customer.email);
      await waitFor(() => mailsTo().length === 2);
      expect(mailsTo().map((m) => m.text)).toEqual([
        expect.stringContaining(first.acceptUrl),
        expect.stringContaining(reply.body.acceptUrl as string),
      ]);

      const old = await t.call('POST', `/invitations/${first.invitationId}/accept`, {
        as: customer,
        body: { token: tokenOf(first.acceptUrl) },
      });
      expect(old.status).toBe(410);
      expect(old.body.code).toBe('invitation_link_superseded');
      const fresh = await t.call('POST', `/invitations/${first.invitationId}/accept`, {
        as: customer,
        body: { token: tokenOf(reply.body.acceptUrl as string) },
      });
      expect(fresh.status).toBe(200);
    });
  });

  describe('when the invitation expired', () => {
    it('makes it pending again', async () => {
      const { invitationId } = await t.sentEarlier(
        vendor,
        new Date(Date.now() - 3 * 86_400_000),
        'r2@example.com',
      );
      expect(
        await createInvitationExpiry(t.infra.eventStore).expireDue(new Date()),
      ).toBeGreaterThanOrEqual(1);
      const reply = await t.call('POST', `/invitations/${invitationId}/resend`, { as: vendor });
      expect(reply.status).toBe(200);
      expect(
        (await t.call('GET', `/invitations/${invitationId}`, { as: vendor })).body.status,
      ).toBe('pending');
    });

    it('refuses while a newer invitation to the same email is pending, recording nothing', async () => {
      const old = await t.sentEarlier(
        vendor,
        new Date(Date.now() - 3 * 86_400_000),
        'r3@example.com',
      );
      const newer = await t.invite(vendor, { email: 'r3@example.com' });
      const head = await t.infra.eventStore.headPosition();
      const reply = await t.call('POST', `/invitations/${old.invitationId}/resend`, { as: vendor });
      expect(reply.status).toBe(409);
      expect(reply.body).toMatchObject({
        code: 'invitation_already_pending',
        invitationId: newer.invitationId,
      });
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });
  });

  describe('when it was accepted or cancelled', () => {
    it('refuses with invitation_not_resendable and records nothing', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'r4@example.com' });
      await t.call('POST', `/invitations/${invitationId}/cancel`, { as: vendor });
      const head = await t.infra.eventStore.headPosition();
      const reply = await t.call('POST', `/invitations/${invitationId}/resend`, { as: vendor });
      expect(reply.status).toBe(409);
      expect(reply.body.code).toBe('invitation_not_resendable');
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });
  });

  describe('when it was resent the most times allowed', () => {
    it('refuses the next resend with 409 invitation_not_resendable and records nothing', async () => {
      const sender = testUser('vendor'); // its own rate-limit window
      const { invitationId } = await t.invite(sender, { email: 'r-cap@example.com' });
      const path = `/invitations/${invitationId}/resend`;
      for (let i = 0; i < MAX_RESENDS; i++) {
        expect((await t.call('POST', path, { as: sender })).status).toBe(200);
      }
      const events = await t.eventTypes(invitationId);
      const head = await t.infra.eventStore.headPosition();

      const reply = await t.call('POST', path, { as: sender });
      expect(reply.status).toBe(409);
      expect(reply.body).toMatchObject({
        code: 'invitation_not_resendable',
        detail: expect.stringContaining(`resent ${MAX_RESENDS} times already`),
      });
      expect(reply.body.detail).toContain('send a new invitation');
      expect(await t.eventTypes(invitationId)).toEqual(events);
      expect(events.filter((type) => type === 'InvitationResent')).toHaveLength(MAX_RESENDS);
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });

    it('documents the refusal in the route’s 409', async () => {
      type Doc = { paths: Record<string, Record<string, { responses: Record<string, object> }>> };
      const doc = (await t.call('GET', '/docs-json')).body as unknown as Doc;
      const conflicts = JSON.stringify(doc.paths['/invitations/{id}/resend'].post.responses['409']);
      expect(conflicts).toMatch(
        new RegExp(`invitation_not_resendable.*resent ${MAX_RESENDS} times already`),
      );
    });
  });

  describe('when a customer asks', () => {
    it('refuses with 403 wrong_account_type and records nothing', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'r-customer@example.com' });
      const head = await t.infra.eventStore.headPosition();
      const reply = await t.call('POST', `/invitations/${invitationId}/resend`, {
        as: testUser('customer', { email: 'r-customer@example.com' }),
      });
      expect(reply.status).toBe(403);
      expect(reply.body.code).toBe('wrong_account_type');
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });
  });

  describe('when it belongs to another vendor', () => {
    it('answers 404 invitation_not_found', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'r5@example.com' });
      const reply = await t.call('POST', `/invitations/${invitationId}/resend`, {
        as: testUser('vendor'),
      });
      expect(reply.status).toBe(404);
      expect(reply.body.code).toBe('invitation_not_found');
    });
  });
});
