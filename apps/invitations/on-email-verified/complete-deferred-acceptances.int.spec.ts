import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { testUser } from '../../../libs/testing/test-tokens';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import { acceptInvitation } from '../accept-invitation/accept-invitation';
import { invitationStream } from '../invitation/invitation.events';
import { resendInvitation } from '../resend-invitation/resend-invitation';
import { sendInvitation } from '../send-invitation/send-invitation';
import { createInvitationExpiry } from '../expire-invitations/invitation-expiry';
import { WAITING_ACCEPTANCE_GRACE_MS } from '../invitation/invitation.state';
import { completeDeferredAcceptances } from './complete-deferred-acceptances';
import { memoryMails } from '../../../libs/testing/memory-mails';

const DAY = 86_400_000;
const SENT = Date.parse('2026-11-20T10:00:00.000Z');
const at = (ms: number): CommandContext => ({
  correlationId: 'c',
  causationId: 'c',
  actor: 'service:test',
  now: new Date(SENT + ms),
});
const vendor = testUser('vendor');
const customer = testUser('customer', { emailVerified: false });

describe('completing deferred acceptances on EmailVerified', () => {
  let store: SqliteEventStore;
  let deps: Parameters<typeof sendInvitation>[0];
  beforeEach(() => {
    store = new SqliteEventStore(':memory:');
    deps = { store, mails: memoryMails(), publicUrl: 'http://app.test' };
  });
  afterEach(() => store.close());

  /** Sent at SENT for a day; accepted an hour later by `who`, whose email is not verified yet. */
  const deferredInvitation = async (who = customer) => {
    const input = { email: who.email, firstName: 'Ann', lastName: 'Lee', expiresInDays: 1 };
    const { response } = await sendInvitation(deps, vendor, input, at(0));
    const token = new URL(response.acceptUrl).searchParams.get('token')!;
    const deferred = await acceptInvitation(store, who, response.invitationId, token, at(DAY / 24));
    expect(deferred.response).toMatchObject({ awaiting: 'email_verification' });
    return response.invitationId;
  };
  const verifiedAt = (ms: number) => ({
    userId: customer.userId,
    verifiedAt: new Date(SENT + ms).toISOString(),
  });
  const typesOf = async (invitationId: string) =>
    (await store.readStream(invitationStream(invitationId))).map((e) => e.type);
  const accepted = ['InvitationSent', 'InvitationAcceptanceDeferred', 'InvitationAccepted'];

  describe('when the verification came before the expiry and its message only after it', () => {
    it('completes the acceptance within the grace, and no later', async () => {
      const inTime = await deferredInvitation();
      const verified = verifiedAt(DAY / 2);
      const inGrace = at(DAY + WAITING_ACCEPTANCE_GRACE_MS - 1_000);
      expect(await completeDeferredAcceptances(store, verified, inGrace)).toBe(1);
      expect(await completeDeferredAcceptances(store, verified, at(3 * DAY))).toBe(0);
      expect(await typesOf(inTime)).toEqual(accepted);

      const other = testUser('customer', { emailVerified: false });
      const tooLate = await deferredInvitation(other);
      const verifiedOther = {
        userId: other.userId,
        verifiedAt: new Date(SENT + DAY / 2).toISOString(),
      };
      const afterGrace = at(DAY + WAITING_ACCEPTANCE_GRACE_MS);
      expect(await completeDeferredAcceptances(store, verifiedOther, afterGrace)).toBe(0);
      expect(await typesOf(tooLate)).toEqual(['InvitationSent', 'InvitationAcceptanceDeferred']);
    });
  });

  describe('when the expiry job runs before a late verification message arrives', () => {
    it('leaves a waiting acceptance its grace, then expires the invitations still waiting', async () => {
      const late = await deferredInvitation();
      const never = await deferredInvitation(testUser('customer', { emailVerified: false }));
      const expiry = createInvitationExpiry(store);
      const afterExpiry = (ms: number) => new Date(SENT + DAY + ms);

      expect(await expiry.expireDue(afterExpiry(60_000))).toBe(0);
      expect(await completeDeferredAcceptances(store, verifiedAt(DAY / 2), at(DAY + 120_000))).toBe(
        1,
      );
      expect(await expiry.expireDue(afterExpiry(WAITING_ACCEPTANCE_GRACE_MS))).toBe(1);

      expect(await typesOf(late)).toEqual(accepted);
      expect(await typesOf(never)).toEqual([
        'InvitationSent',
        'InvitationAcceptanceDeferred',
        'InvitationExpired',
      ]);
    });
  });

  describe('when the verification came after the expiry and the vendor then resent', () => {
    it('records no acceptance, at the first delivery nor at a redelivery', async () => {
      const invitationId = await deferredInvitation();
      const verified = verifiedAt(2 * DAY);
      expect(await completeDeferredAcceptances(store, verified, at(2 * DAY))).toBe(0);
      await resendInvitation(deps, vendor, invitationId, 7, at(3 * DAY));
      expect(await completeDeferredAcceptances(store, verified, at(3 * DAY))).toBe(0);

      expect(await typesOf(invitationId)).toEqual([
        'InvitationSent',
        'InvitationAcceptanceDeferred',
        'InvitationExpired',
        'InvitationResent',
      ]);
    });
  });
});
