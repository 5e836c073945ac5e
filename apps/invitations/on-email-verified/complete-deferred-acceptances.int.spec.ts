import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { testUser } from '../../../libs/testing/test-tokens';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import { acceptInvitation } from '../accept-invitation/accept-invitation';
import { invitationStream } from '../invitation/invitation.events';
import { resendInvitation } from '../resend-invitation/resend-invitation';
import { sendInvitation } from '../send-invitation/send-invitation';
import { completeDeferredAcceptances } from './complete-deferred-acceptances';

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
    const mails = { enqueue: async () => undefined, size: () => 0, close: async () => undefined };
    deps = { store, mails, publicUrl: 'http://app.test' };
  });
  afterEach(() => store.close());

  describe('when the verification came before the expiry and its message only after it', () => {
    it('completes the acceptance if the expiry is not recorded yet', async () => {
      const input = { email: customer.email, firstName: 'Ann', lastName: 'Lee', expiresInDays: 1 };
      const { response } = await sendInvitation(deps, vendor, input, at(0));
      const { invitationId, acceptUrl } = response;
      const token = new URL(acceptUrl).searchParams.get('token')!;
      await acceptInvitation(store, customer, invitationId, token, at(DAY / 24));

      const verified = {
        userId: customer.userId,
        verifiedAt: new Date(SENT + DAY / 2).toISOString(),
      };
      expect(await completeDeferredAcceptances(store, verified, at(2 * DAY))).toBe(1);
      expect(await completeDeferredAcceptances(store, verified, at(3 * DAY))).toBe(0);

      const types = (await store.readStream(invitationStream(invitationId))).map((e) => e.type);
      expect(types).toEqual([
        'InvitationSent',
        'InvitationAcceptanceDeferred',
        'InvitationAccepted',
      ]);
    });
  });

  describe('when the verification came after the expiry and the vendor then resent', () => {
    it('records no acceptance, at the first delivery nor at a redelivery', async () => {
      const input = { email: customer.email, firstName: 'Ann', lastName: 'Lee', expiresInDays: 1 };
      const { response } = await sendInvitation(deps, vendor, input, at(0));
      const { invitationId, acceptUrl } = response;
      const token = new URL(acceptUrl).searchParams.get('token')!;
      const deferred = await acceptInvitation(store, customer, invitationId, token, at(DAY / 24));
      expect(deferred.response).toMatchObject({ awaiting: 'email_verification' });

      const verified = {
        userId: customer.userId,
        verifiedAt: new Date(SENT + 2 * DAY).toISOString(),
      };
      expect(await completeDeferredAcceptances(store, verified, at(2 * DAY))).toBe(0);
      await resendInvitation(deps, vendor, invitationId, 7, at(3 * DAY));
      expect(await completeDeferredAcceptances(store, verified, at(3 * DAY))).toBe(0);

      const types = (await store.readStream(invitationStream(invitationId))).map((e) => e.type);
      expect(types).toEqual([
        'InvitationSent',
        'InvitationAcceptanceDeferred',
        'InvitationExpired',
        'InvitationResent',
      ]);
    });
  });
});
