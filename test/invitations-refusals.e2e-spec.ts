import { randomUUID } from 'node:crypto';
import {
  describeWithRabbitMq,
  startE2eServices,
  type E2eReply,
  type E2eServices,
  type E2eUser,
} from '../apps/invitations/testing/e2e-services';
import { fakeDateOnly } from '../libs/testing/fake-date';

const DAY = 86_400_000;

describeWithRabbitMq('invitations refusals (e2e)', (rabbitUrl) => {
  let s: E2eServices;
  let vendor: E2eUser;
  let customer: E2eUser;

  beforeAll(async () => {
    s = await startE2eServices(rabbitUrl);
    vendor = await s.register('vendor');
    customer = await s.register('customer', { verified: true });
  });
  afterAll(() => s?.close());

  /** Answers `status` + `code` as problem+json, and the event store does not move. */
  async function refused(call: () => Promise<E2eReply>, status: number, code: string) {
    const head = await s.infra.eventStore.headPosition();
    const res = await call();
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await s.appendedSince(head)).toEqual([]);
    return res;
  }
  /** A fresh pending invitation to the customer; cancelled after the test so the next can invite again. */
  let open: string[] = [];
  const invited = async (extra = {}) => {
    const sent = await s.invite(vendor, customer.email, extra);
    open.push(sent.invitationId);
    return { invitationId: sent.invitationId, token: s.tokenOf(sent.acceptUrl) };
  };
  afterEach(async () => {
    for (const id of open) await s.api('POST', `/invitations/${id}/cancel`, vendor);
    open = [];
  });

  describe('when a request is refused', () => {
    it('refuses the wrong account types with 403 wrong_account_type', async () => {
      const { invitationId, token } = await invited();
      await refused(() => s.accept(invitationId, vendor, token), 403, 'wrong_account_type');
      const body = { email: s.unique('x'), firstName: 'A', lastName: 'B' };
      await refused(() => s.api('POST', '/invitations', customer, body), 403, 'wrong_account_type');
    });

    it('refuses another customer’s email with 403 email_mismatch', async () => {
      const other = await s.register('customer', { verified: true });
      const { invitationId, token } = await invited();
      await refused(() => s.accept(invitationId, other, token), 403, 'email_mismatch');
    });

    it('refuses a wrong token, an unknown and a malformed id with 404 invitation_invalid', async () => {
      const { invitationId } = await invited();
      const guess = 'A'.repeat(43);
      await refused(() => s.accept(invitationId, customer, guess), 404, 'invitation_invalid');
      await refused(() => s.accept(randomUUID(), customer, guess), 404, 'invitation_invalid');
      await refused(() => s.accept('not-an-id', customer, guess), 404, 'invitation_invalid');
    });

    it('refuses the old link of a resent invitation with 410 invitation_link_superseded, and announces the resend', async () => {
      const { invitationId, token } = await invited();
      const resent = await s.api('POST', `/invitations/${invitationId}/resend`, vendor);
      expect(resent.status).toBe(200);
      const [message] = await s.announced('invitations.invitation-resent.v1', invitationId);
      expect(JSON.parse(message.content.toString()).data).toEqual({
        invitationId,
        vendorId: vendor.companyId,
        expiresAt: resent.body.expiresAt,
        resentAt: expect.any(String),
      });
      await s.mailTo(customer.email, (m) => m.text.includes(String(resent.body.acceptUrl)));
      await refused(
        () => s.accept(invitationId, customer, token),
        410,
        'invitation_link_superseded',
      );
    });

    it('refuses a cancelled invitation with 410 invitation_cancelled, and announces the cancellation', async () => {
      const { invitationId, token } = await invited();
      const cancelled = await s.api('POST', `/invitations/${invitationId}/cancel`, vendor);
      expect(cancelled.body).toEqual({ status: 'cancelled' });
      await refused(() => s.accept(invitationId, customer, token), 410, 'invitation_cancelled');
      await s.announced('invitations.invitation-cancelled.v1', invitationId);
    });

    it('refuses an expired invitation with 410 invitation_expired, and announces the expiry', async () => {
      const { invitationId, token } = await invited({ expiresInDays: 1 });
      expect(
        await s.invitations.expireDue(new Date(Date.now() + 1.5 * DAY)),
      ).toBeGreaterThanOrEqual(1);
      expect(await s.typesOf(invitationId)).toEqual(['InvitationSent', 'InvitationExpired']);
      await refused(() => s.accept(invitationId, customer, token), 410, 'invitation_expired');
      await s.announced('invitations.invitation-expired.v1', invitationId);
    });

    it('refuses an invitation past its expiry with 410 invitation_expired before any expiry is recorded', async () => {
      const { invitationId, token } = await invited({ expiresInDays: 1 });
      // Only the clock moves on, a day and a half: no expiry pass runs in between.
      fakeDateOnly();
      try {
        jest.setSystemTime(Date.now() + 1.5 * DAY);
        const later = { ...customer, token: await s.logIn(customer.email) };
        await refused(() => s.accept(invitationId, later, token), 410, 'invitation_expired');
      } finally {
        jest.useRealTimers();
      }
      expect(await s.typesOf(invitationId)).toEqual(['InvitationSent']);
    });

    it('refuses a second pending invitation to the same email with 409 naming the first', async () => {
      const { invitationId } = await invited();
      const body = { email: customer.email, firstName: 'A', lastName: 'B' };
      const res = await refused(
        () => s.api('POST', '/invitations', vendor, body),
        409,
        'invitation_already_pending',
      );
      expect(res.body.invitationId).toBe(invitationId);
    });

    it('refuses to cancel or resend an accepted invitation with 409', async () => {
      const { invitationId, token } = await invited();
      expect((await s.accept(invitationId, customer, token)).status).toBe(200);
      const path = `/invitations/${invitationId}`;
      await refused(
        () => s.api('POST', `${path}/cancel`, vendor),
        409,
        'invitation_already_accepted',
      );
      await refused(
        () => s.api('POST', `${path}/resend`, vendor),
        409,
        'invitation_not_resendable',
      );
    });

    it('refuses an invitation another company accepted with 409 invitation_already_accepted', async () => {
      const { invitationId, token } = await invited();
      expect((await s.accept(invitationId, customer, token)).status).toBe(200);
      const stranger = await s.register('customer', { verified: true });
      await refused(
        () => s.accept(invitationId, stranger, token),
        409,
        'invitation_already_accepted',
      );
    });

    it('hides another vendor’s invitation with 404 invitation_not_found', async () => {
      const other = await s.register('vendor');
      const { invitationId } = await invited();
      const path = `/invitations/${invitationId}`;
      await refused(() => s.api('GET', path, other), 404, 'invitation_not_found');
      await refused(() => s.api('POST', `${path}/cancel`, other), 404, 'invitation_not_found');
      await refused(() => s.api('POST', `${path}/resend`, other), 404, 'invitation_not_found');
      await refused(() => s.api('GET', '/invitations/..%2f', vendor), 404, 'invitation_not_found');
    });

    it('refuses bad input with 400 validation_failed and a missing token with 401', async () => {
      const bad = { email: 'nope', firstName: 'A', lastName: 'B', expiresInDays: 31 };
      await refused(() => s.api('POST', '/invitations', vendor, bad), 400, 'validation_failed');
      await refused(
        () => s.api('POST', '/invitations', undefined, { email: s.unique('x') }),
        401,
        'unauthenticated',
      );
    });
  });
});
