import {
  startInvitationsTestApp,
  testUser,
  tokenOf,
  type InvitationsTestApp,
} from '../testing/invitations-test-app';

describe('POST /invitations/:id/cancel', () => {
  let t: InvitationsTestApp;
  const vendor = testUser('vendor');

  beforeAll(async () => {
    t = await startInvitationsTestApp();
  });
  afterAll(() => t.close());

  describe('when the invitation is pending', () => {
    it('answers 200 cancelled and records InvitationCancelled with the reason', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'c1@example.com' });
      const reply = await t.call('POST', `/invitations/${invitationId}/cancel`, {
        as: vendor,
        body: { reason: 'wrong address' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ status: 'cancelled' });
      const events = await t.infra.eventStore.readStream(`invitation-${invitationId}`);
      expect(events[1]).toMatchObject({
        type: 'InvitationCancelled',
        data: { cancelledBy: vendor.userId, reason: 'wrong address' },
      });
      expect(reply.headers.get('x-event-position')).toBe(events[1].position.toString());
    });
  });

  describe('when the reason holds a control character', () => {
    it('refuses it with validation_failed naming reason and records nothing, and takes line breaks', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'c-control@example.com' });
      const cancel = (reason: string) =>
        t.call('POST', `/invitations/${invitationId}/cancel`, { as: vendor, body: { reason } });
      for (const reason of ['a\u0000b', 'a\u001b[2Jb', 'a\u202eb']) {
        const reply = await cancel(reason);
        expect([reply.status, reply.body.code]).toEqual([400, 'validation_failed']);
        expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'reason' })]);
      }
      expect(await t.eventTypes(invitationId)).toEqual(['InvitationSent']);
      expect((await cancel('Wrong address.\r\n\tSent again.')).status).toBe(200);
    });
  });

  describe('when it is already cancelled', () => {
    it('answers 200 again and records nothing', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'c2@example.com' });
      await t.call('POST', `/invitations/${invitationId}/cancel`, { as: vendor });
      const head = await t.infra.eventStore.headPosition();
      const reply = await t.call('POST', `/invitations/${invitationId}/cancel`, { as: vendor });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ status: 'cancelled' });
      expect(reply.headers.get('x-event-position')).toBeTruthy();
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });
  });

  describe('when it was accepted', () => {
    it('refuses with invitation_already_accepted and records nothing', async () => {
      const customer = testUser('customer', { email: 'c3@example.com' });
      const { invitationId, acceptUrl } = await t.invite(vendor, { email: customer.email });
      await t.call('POST', `/invitations/${invitationId}/accept`, {
        as: customer,
        body: { token: tokenOf(acceptUrl) },
      });
      const head = await t.infra.eventStore.headPosition();
      const reply = await t.call('POST', `/invitations/${invitationId}/cancel`, { as: vendor });
      expect(reply.status).toBe(409);
      expect(reply.body.code).toBe('invitation_already_accepted');
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });
  });

  describe('when a customer asks', () => {
    it('refuses with 403 wrong_account_type and records nothing', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'c-customer@example.com' });
      const head = await t.infra.eventStore.headPosition();
      const reply = await t.call('POST', `/invitations/${invitationId}/cancel`, {
        as: testUser('customer', { email: 'c-customer@example.com' }),
      });
      expect(reply.status).toBe(403);
      expect(reply.body.code).toBe('wrong_account_type');
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });
  });

  describe('when it belongs to another vendor', () => {
    it('answers 404 invitation_not_found and records nothing', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'c4@example.com' });
      const head = await t.infra.eventStore.headPosition();
      const reply = await t.call('POST', `/invitations/${invitationId}/cancel`, {
        as: testUser('vendor'),
      });
      expect(reply.status).toBe(404);
      expect(reply.body.code).toBe('invitation_not_found');
      expect(await t.infra.eventStore.headPosition()).toBe(head);
      expect((await t.call('POST', '/invitations/nope/cancel', { as: vendor })).status).toBe(404);
    });
  });
});
