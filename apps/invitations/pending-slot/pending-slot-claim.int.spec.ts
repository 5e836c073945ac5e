import type { EventStore } from '../../../libs/event-store';
import { beforeEachWrite } from '../../../libs/event-store/testing/failing-write';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import { testUser } from '../../../libs/testing/test-tokens';
import { acceptInvitation } from '../accept-invitation/accept-invitation';
import { invitationStream } from '../invitation/invitation.events';
import { invitationView } from '../get-invitation/invitation-view';
import { resendInvitation } from '../resend-invitation/resend-invitation';
import { sendInvitation } from '../send-invitation/send-invitation';
import { memoryMails } from '../../../libs/testing/memory-mails';

const DAY_MS = 86_400_000;
const vendor = testUser('vendor');
const input = { email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee', expiresInDays: 1 };
const at = (now: Date): CommandContext => ({
  correlationId: 'c',
  causationId: 'c',
  actor: 't',
  now,
});

describe('claiming the slot from an invitation whose expiry is final but not recorded', () => {
  let store: SqliteEventStore;
  const mails = memoryMails();
  const sentAt = new Date('2026-11-01T12:00:00.000Z');
  const justBefore = new Date(sentAt.getTime() + DAY_MS - 1);
  const justAfter = new Date(sentAt.getTime() + DAY_MS + 1);
  let first: { invitationId: string; token: string };

  beforeEach(async () => {
    store = new SqliteEventStore(':memory:');
    const { response } = await sendInvitation(deps(), vendor, input, at(sentAt));
    first = { invitationId: response.invitationId, token: tokenOf(response.acceptUrl) };
  });
  afterEach(() => store.close());

  const deps = (on: EventStore = store) => ({ store: on, mails, publicUrl: 'http://app.test' });
  const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

  /** The store, with a send to the same email committed after the accept decided and before its commit. */
  const sendingBeforeTheAcceptCommits = (): EventStore => {
    let sending: Promise<unknown> | undefined;
    return beforeEachWrite(store, async () => {
      await (sending ??= sendInvitation(deps(), vendor, input, at(justAfter)));
    });
  };

  /** Invitations reading as pending just after the first one's expiry, as GET /invitations/:id says. */
  const pendingNow = async () => {
    const all = await store.readAll({ after: 0n, maxCount: 100 });
    const sent = all.filter((e) => e.type === 'InvitationSent');
    const views = await Promise.all(
      sent.map(async (e) => invitationView(await store.readStream(e.streamName), justAfter)),
    );
    return views.filter((view) => view?.status === 'pending').length;
  };

  /** An accept decided just before the expiry whose commit comes after a send to the same email. */
  const acceptJustBeforeTheSend = (emailVerified: boolean) =>
    acceptInvitation(
      sendingBeforeTheAcceptCommits(),
      testUser('customer', { email: input.email, emailVerified }),
      first.invitationId,
      first.token,
      at(justBefore),
    );

  describe('when an unverified customer’s accept decided before the expiry commits after the send', () => {
    it('refuses the deferral as expired, so only the new invitation is pending', async () => {
      await expect(acceptJustBeforeTheSend(false)).rejects.toMatchObject({
        code: 'invitation_expired',
      });
      const types = (await store.readStream(invitationStream(first.invitationId))).map(
        (e) => e.type,
      );
      expect(types).toEqual(['InvitationSent', 'InvitationExpired']);
      expect(await pendingNow()).toBe(1);
    });
  });

  describe('when a verified customer’s accept decided before the expiry commits after the send', () => {
    it('refuses it as expired: the old invitation is not accepted after another took its slot', async () => {
      await expect(acceptJustBeforeTheSend(true)).rejects.toMatchObject({
        code: 'invitation_expired',
      });
      expect(await pendingNow()).toBe(1);
    });
  });

  describe('when the old invitation is past its expiry and nothing else is racing', () => {
    it('records its expiry in the send’s commit', async () => {
      const { response, position } = await sendInvitation(deps(), vendor, input, at(justAfter));
      const all = await store.readAll({ after: 0n, maxCount: 10 });
      expect(all.map((e) => e.type)).toEqual([
        'InvitationSent',
        'PendingSlotClaimed',
        'InvitationSent',
        'PendingSlotClaimed',
        'InvitationExpired',
      ]);
      expect(all[4].data).toMatchObject({
        invitationId: first.invitationId,
        expiredAt: new Date(sentAt.getTime() + DAY_MS).toISOString(),
      });
      expect(all[2].data.invitationId).toBe(response.invitationId);
      expect(position).toBe(all[4].position); // read-your-writes covers the old invitation too
    });
  });

  describe('when an invitation recorded with its address in another Unicode form is resent', () => {
    it('claims the one slot of that address, so a newer pending invitation refuses it', async () => {
      const decomposed = { ...input, email: 'jose\u0301@example.com' };
      const { response: old } = await sendInvitation(deps(), vendor, decomposed, at(sentAt));
      await sendInvitation(
        deps(),
        vendor,
        { ...input, email: 'jos\u00e9@example.com' },
        at(justAfter),
      );
      const resend = resendInvitation(deps(), vendor, old.invitationId, 7, at(justAfter));
      await expect(resend).rejects.toMatchObject({ code: 'invitation_already_pending' });
    });
  });
});
