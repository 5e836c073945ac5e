import {
  startInvitationsTestApp,
  testUser,
  tokenOf,
  type InvitationsTestApp,
} from '../testing/invitations-test-app';
import { completeDeferredAcceptances } from '../on-email-verified/complete-deferred-acceptances';
import type { TestUser } from '../../../libs/testing/test-tokens';

describe('POST /invitations/:id/accept', () => {
  let t: InvitationsTestApp;
  const vendor = testUser('vendor');
  let n = 0;

  /** A fresh invitation to a fresh customer. */
  const invited = async (customer: Partial<TestUser> = {}) => {
    const c = testUser('customer', { email: `accept-${++n}@example.com`, ...customer });
    const { invitationId, acceptUrl } = await t.invite(vendor, { email: c.email });
    return { customer: c, invitationId, acceptUrl, token: tokenOf(acceptUrl) };
  };
  const accept = (invitationId: string, as: TestUser, token: string) =>
    t.call('POST', `/invitations/${invitationId}/accept`, { as, body: { token } });

  beforeAll(async () => {
    t = await startInvitationsTestApp();
  });
  afterAll(() => t.close());

  describe('when a verified customer accepts', () => {
    it('takes a post to the accept link as it is, query and all', async () => {
      const { customer, acceptUrl, token } = await invited();
      const { pathname, search } = new URL(acceptUrl);
      const reply = await t.call('POST', `${pathname}${search}`, { as: customer, body: { token } });
      expect(reply.status).toBe(200);
    });

    it('answers 200 accepted and records InvitationAccepted', async () => {
      const { customer, invitationId, token } = await invited();
      const reply = await accept(invitationId, customer, token);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        invitationId,
        status: 'accepted',
        vendorId: vendor.companyId,
        customerCompanyId: customer.companyId,
      });
      expect(await t.eventTypes(invitationId)).toEqual(['InvitationSent', 'InvitationAccepted']);
      const [, acceptedEvent] = await t.infra.eventStore.readStream(`invitation-${invitationId}`);
      expect(reply.headers.get('x-event-position')).toBe(acceptedEvent.position.toString());
    });

    it('answers 200 again for the same company and records nothing', async () => {
      const { customer, invitationId, token } = await invited();
      await accept(invitationId, customer, token);
      const head = await t.infra.eventStore.headPosition();
      const again = await accept(invitationId, customer, token);
      expect(again.status).toBe(200);
      expect(again.body.status).toBe('accepted');
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });
  });

  describe('when the customer email is not verified yet', () => {
    it('answers 202 awaiting email_verification, once', async () => {
      const { customer, invitationId, token } = await invited({ emailVerified: false });
      const reply = await accept(invitationId, customer, token);
      expect(reply.status).toBe(202);
      expect(reply.body).toEqual({
        invitationId,
        status: 'pending',
        awaiting: 'email_verification',
      });
      expect(reply.headers.get('x-event-position')).toBeTruthy();
      const head = await t.infra.eventStore.headPosition();
      expect((await accept(invitationId, customer, token)).status).toBe(202);
      expect(await t.infra.eventStore.headPosition()).toBe(head);
      expect(await t.eventTypes(invitationId)).toEqual([
        'InvitationSent',
        'InvitationAcceptanceDeferred',
      ]);
    });

    it('completes once the verification is known, even with a token issued before it', async () => {
      const { customer, invitationId, token } = await invited({ emailVerified: false });
      await accept(invitationId, customer, token);
      const context = { correlationId: 'c', causationId: 'c', actor: 'test', now: new Date() };
      await completeDeferredAcceptances(
        t.infra.eventStore,
        { userId: customer.userId, verifiedAt: new Date().toISOString() },
        context,
      );
      expect(await t.eventTypes(invitationId)).toContain('InvitationAccepted');

      const { invitationId: second, acceptUrl } = await t.invite(testUser('vendor'), {
        email: customer.email,
      });
      const reply = await accept(second, customer, tokenOf(acceptUrl));
      expect(reply.status).toBe(200);
      expect(await t.eventTypes(second)).toEqual(['InvitationSent', 'InvitationAccepted']);
    });

    it('accepts at once when the customer comes back with a verified token', async () => {
      const { customer, invitationId, token } = await invited({ emailVerified: false });
      await accept(invitationId, customer, token);
      const reply = await accept(invitationId, { ...customer, emailVerified: true }, token);
      expect(reply.status).toBe(200);
    });
  });

  describe('when two accepts race', () => {
    it('records exactly one InvitationAccepted', async () => {
      const { customer, invitationId, token } = await invited();
      const replies = await Promise.all([1, 2, 3].map(() => accept(invitationId, customer, token)));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
      const types = await t.eventTypes(invitationId);
      expect(types.filter((type) => type === 'InvitationAccepted')).toHaveLength(1);
    });
  });

  describe('when an unverified customer accepts many invitations at once', () => {
    it('defers every one of them, though each notes it on the same customer stream', async () => {
      const customer = testUser('customer', {
        email: `many-${++n}@example.com`,
        emailVerified: false,
      });
      const invitations = [];
      for (let i = 0; i < 40; i++) {
        const other = testUser('vendor');
        const { invitationId, acceptUrl } = await t.invite(other, { email: customer.email });
        invitations.push({ invitationId, token: tokenOf(acceptUrl) });
      }
      const replies = await Promise.all(
        invitations.map(({ invitationId, token }) => accept(invitationId, customer, token)),
      );
      expect(replies.map((r) => r.status)).toEqual(invitations.map(() => 202));
    });
  });

  describe('when the accept is refused', () => {
    type Invited = Awaited<ReturnType<typeof invited>>;
    interface Refusal {
      setUp?: (x: Invited) => Promise<unknown>;
      act: (x: Invited) => ReturnType<typeof accept>;
      status: number;
      code: string;
    }
    const otherCompany = (x: Invited) => ({
      ...x.customer,
      userId: 'other-user',
      companyId: 'other-company',
    });
    const refusals: Record<string, Refusal> = {
      'a vendor token': {
        act: (x) =>
          accept(x.invitationId, testUser('vendor', { email: x.customer.email }), x.token),
        status: 403,
        code: 'wrong_account_type',
      },
      'another email': {
        act: (x) => accept(x.invitationId, testUser('customer'), x.token),
        status: 403,
        code: 'email_mismatch',
      },
      'a wrong token': {
        act: (x) => accept(x.invitationId, x.customer, 'wrong-token'),
        status: 404,
        code: 'invitation_invalid',
      },
      'an unknown invitation': {
        act: (x) => accept('0b8f5a4e-4a40-4c55-9d7e-4f9f0c7b1e11', x.customer, x.token),
        status: 404,
        code: 'invitation_invalid',
      },
      'a malformed id': {
        act: (x) => accept('%20drop', x.customer, x.token),
        status: 404,
        code: 'invitation_invalid',
      },
      'an old link of a resent invitation': {
        setUp: (x) => t.call('POST', `/invitations/${x.invitationId}/resend`, { as: vendor }),
        act: (x) => accept(x.invitationId, x.customer, x.token),
        status: 410,
        code: 'invitation_link_superseded',
      },
      'a cancelled invitation': {
        setUp: (x) => t.call('POST', `/invitations/${x.invitationId}/cancel`, { as: vendor }),
        act: (x) => accept(x.invitationId, x.customer, x.token),
        status: 410,
        code: 'invitation_cancelled',
      },
      'an invitation accepted by another company': {
        setUp: (x) => accept(x.invitationId, x.customer, x.token),
        act: (x) => accept(x.invitationId, otherCompany(x), x.token),
        status: 409,
        code: 'invitation_already_accepted',
      },
    };

    it.each(Object.entries(refusals))('refuses %s and records nothing', async (_name, refusal) => {
      const x = await invited();
      await refusal.setUp?.(x);
      const head = await t.infra.eventStore.headPosition();
      const reply = await refusal.act(x);
      expect(reply.status).toBe(refusal.status);
      expect(reply.body).toMatchObject({ status: refusal.status, code: refusal.code });
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });

    it('refuses an invitation past its expiry with invitation_expired before any expiry ran', async () => {
      const customer = testUser('customer', { email: 'late@example.com' });
      const { invitationId, token } = await t.sentEarlier(
        vendor,
        new Date(Date.now() - 2 * 86_400_000),
        customer.email,
      );
      const head = await t.infra.eventStore.headPosition();
      const reply = await accept(invitationId, customer, token);
      expect(reply.status).toBe(410);
      expect(reply.body.code).toBe('invitation_expired');
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });

    it('refuses any query parameter but the link’s own token', async () => {
      const { customer, invitationId, token } = await invited();
      const path = `/invitations/${invitationId}/accept`;
      const reply = await t.call('POST', `${path}?token=${token}&via=email`, {
        as: customer,
        body: { token },
      });
      expect(reply.status).toBe(400);
      expect(reply.body.errors).toEqual([
        { field: 'via', message: 'property via should not exist' },
      ]);
      expect(await t.eventTypes(invitationId)).toEqual(['InvitationSent']);
    });

    it('refuses a missing token with validation_failed', async () => {
      const { customer, invitationId } = await invited();
      const reply = await t.call('POST', `/invitations/${invitationId}/accept`, {
        as: customer,
        body: {},
      });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('validation_failed');
    });
  });
});
