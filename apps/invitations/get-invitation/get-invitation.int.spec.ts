import {
  startInvitationsTestApp,
  testUser,
  type InvitationsTestApp,
} from '../testing/invitations-test-app';

describe('GET /invitations/:id', () => {
  let t: InvitationsTestApp;
  const vendor = testUser('vendor');

  beforeAll(async () => {
    t = await startInvitationsTestApp();
  });
  afterAll(() => t.close());

  describe('when the vendor reads its invitation', () => {
    it('answers from the event store, right after the command', async () => {
      const sent = await t.invite(vendor, {
        email: 'read@example.com',
        businessName: 'Lee Bakery',
      });
      const reply = await t.call('GET', `/invitations/${sent.invitationId}`, { as: vendor });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        invitationId: sent.invitationId,
        vendorId: vendor.companyId,
        email: 'read@example.com',
        firstName: 'Ann',
        lastName: 'Lee',
        businessName: 'Lee Bakery',
        customerNumber: null,
        status: 'pending',
        sentAt: expect.any(String),
        expiresAt: sent.expiresAt,
        acceptedAt: null,
        cancelledAt: null,
        expiredAt: null,
        customerCompanyId: null,
      });
    });

    it('shows a cancellation at once', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'gone@example.com' });
      await t.call('POST', `/invitations/${invitationId}/cancel`, { as: vendor });
      const reply = await t.call('GET', `/invitations/${invitationId}`, { as: vendor });
      expect(reply.body).toMatchObject({ status: 'cancelled', cancelledAt: expect.any(String) });
    });

    it('reads a pending invitation past its expiry as expired', async () => {
      const { invitationId } = await t.sentEarlier(
        vendor,
        new Date(Date.now() - 2 * 86_400_000),
        'old@example.com',
      );
      const reply = await t.call('GET', `/invitations/${invitationId}`, { as: vendor });
      expect(reply.body).toMatchObject({ status: 'expired', expiredAt: reply.body.expiresAt });
    });
  });

  describe('when the request carries a query parameter', () => {
    it('refuses it with 400 validation_failed naming it, signed in or not', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'query@example.com' });
      const reply = await t.call('GET', `/invitations/${invitationId}?fields=email`, {
        as: vendor,
      });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({
        code: 'validation_failed',
        errors: [{ field: 'fields', message: 'property fields should not exist' }],
      });
      const anonymous = await t.call('GET', `/invitations/${invitationId}?fields=email`);
      expect(anonymous.status).toBe(400);
    });
  });

  describe('when the invitation is not the vendor’s to read', () => {
    it('answers 404 invitation_not_found for another vendor, an unknown id and a malformed or over-long id', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'private@example.com' });
      for (const [id, as] of [
        [invitationId, testUser('vendor')],
        ['0b8f5a4e-4a40-4c55-9d7e-4f9f0c7b1e11', vendor],
        ['not-a-uuid', vendor],
        ['..%2F..%2Fetc', vendor],
        ['a'.repeat(300), vendor],
      ] as const) {
        const reply = await t.call('GET', `/invitations/${id}`, { as });
        expect(reply.status).toBe(404);
        expect(reply.body.code).toBe('invitation_not_found');
      }
    });

    it('refuses a customer with wrong_account_type', async () => {
      const { invitationId } = await t.invite(vendor, { email: 'cust@example.com' });
      const reply = await t.call('GET', `/invitations/${invitationId}`, {
        as: testUser('customer'),
      });
      expect(reply.status).toBe(403);
      expect(reply.body.code).toBe('wrong_account_type');
    });
  });
});
