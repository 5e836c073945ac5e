import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../../../libs/event-store';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import {
  beforeEachWrite,
  failingFirstWriteOf,
} from '../../../libs/event-store/testing/failing-write';
import { handleCommand } from '../../../libs/platform/command-handling/command-handler';
import { testUser } from '../../../libs/testing/test-tokens';
import { invitationDecider } from '../invitation/decide';
import { invitationStream } from '../invitation/invitation.events';
import { hashToken } from '../invitation/invitation-token';
import { completeDeferredAcceptances } from '../on-email-verified/complete-deferred-acceptances';
import { customerVerificationStream } from '../customer-verification/customer-verification.decider';
import { acceptInvitation } from './accept-invitation';

const context = () => ({ correlationId: 'c', causationId: 'c', actor: 'test', now: new Date() });

describe('accepting while the email is being verified', () => {
  let dir: string;
  let store: SqliteEventStore;
  const customer = testUser('customer', { email: 'ann@example.com', emailVerified: false });
  const invitationId = '5d7b7c1e-3d0b-4b7e-9d1a-0c6f6a1c2b3d';

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accept-race-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    await handleCommand(
      store,
      invitationDecider,
      invitationStream(invitationId),
      {
        type: 'SendInvitation',
        invitationId,
        vendorId: 'vendor-1',
        invitedBy: 'vendor-user',
        email: customer.email,
        firstName: 'Ann',
        lastName: 'Lee',
        tokenHash: hashToken('the-token'),
        expiresInDays: 7,
      },
      context(),
    );
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store, with the EmailVerified handler run after the accept read the customer's stream and before its commit. */
  const verifyingBeforeCommit = (): EventStore => {
    let verifiedOnce = false;
    return beforeEachWrite(store, async (appends) => {
      const noting = appends.some((a) => a.events[0]?.type === 'DeferredAcceptanceNoted');
      if (noting && !verifiedOnce) {
        verifiedOnce = true;
        const verified = { userId: customer.userId, verifiedAt: new Date().toISOString() };
        await completeDeferredAcceptances(store, verified, context());
      }
    });
  };

  describe('when the verification lands while the accept is deferring', () => {
    it('accepts at once: the deferral and its note are refused together and decided again', async () => {
      const { response } = await acceptInvitation(
        verifyingBeforeCommit(),
        customer,
        invitationId,
        'the-token',
        context(),
      );
      expect(response.status).toBe('accepted');
      const types = (await store.readStream(invitationStream(invitationId))).map((e) => e.type);
      expect(types).toEqual(['InvitationSent', 'InvitationAccepted']);
      const customerStream = await store.readStream(customerVerificationStream(customer.userId));
      expect(customerStream.map((e) => e.type)).toEqual(['CustomerEmailVerified']);
    });
  });

  describe('when the customer defers again on an invitation resent past its expiry, as the verification lands', () => {
    it('accepts at once: the new deferral carries its own note, so the verification refuses it', async () => {
      const later = () => ({ ...context(), now: new Date(Date.now() + 8 * 86_400_000) });
      const accept = (on: EventStore, token: string) =>
        acceptInvitation(on, customer, invitationId, token, later());
      await acceptInvitation(store, customer, invitationId, 'the-token', context()); // deferred, noted
      const resend = {
        type: 'ResendInvitation' as const,
        vendorId: 'vendor-1',
        tokenHash: hashToken('new-token'),
        expiresInDays: 7,
      };
      await handleCommand(
        store,
        invitationDecider,
        invitationStream(invitationId),
        resend,
        later(),
      );

      // The verification is handled between the accept's reads and its commit.
      const hooked = beforeEachWrite(store, async (appends) => {
        const verified = { userId: customer.userId, verifiedAt: new Date().toISOString() };
        if (appends.some((a) => a.events.some((e) => e.type === 'InvitationAcceptanceDeferred')))
          await completeDeferredAcceptances(store, verified, later());
      });
      const { response } = await accept(hooked, 'new-token');

      expect(response.status).toBe('accepted');
      const types = (await store.readStream(invitationStream(invitationId))).map((e) => e.type);
      expect(types.slice(-3)).toEqual([
        'InvitationExpired',
        'InvitationResent',
        'InvitationAccepted',
      ]);
    });
  });

  describe('when the verification was recorded before the accept', () => {
    it('accepts at once without a deferral', async () => {
      await completeDeferredAcceptances(
        store,
        { userId: customer.userId, verifiedAt: new Date().toISOString() },
        context(),
      );
      const { response } = await acceptInvitation(
        store,
        customer,
        invitationId,
        'the-token',
        context(),
      );
      expect(response.status).toBe('accepted');
      const types = (await store.readStream(invitationStream(invitationId))).map((e) => e.type);
      expect(types).toEqual(['InvitationSent', 'InvitationAccepted']);
    });
  });

  describe('when the commit of the verification and its acceptances fails', () => {
    it('records neither, and the redelivered message completes the acceptance', async () => {
      const accept = () => acceptInvitation(store, customer, invitationId, 'the-token', context());
      expect((await accept()).response).toMatchObject({ awaiting: 'email_verification' });
      const verified = { userId: customer.userId, verifiedAt: new Date().toISOString() };
      const failing = failingFirstWriteOf(store, 'InvitationAccepted');
      await expect(completeDeferredAcceptances(failing, verified, context())).rejects.toThrow();
      const noted = await store.readStream(customerVerificationStream(customer.userId));
      expect(noted.map((e) => e.type)).toEqual(['DeferredAcceptanceNoted']);

      expect(await completeDeferredAcceptances(failing, verified, context())).toBe(1);
      const types = (await store.readStream(invitationStream(invitationId))).map((e) => e.type);
      expect(types.at(-1)).toBe('InvitationAccepted');
    });
  });
});
