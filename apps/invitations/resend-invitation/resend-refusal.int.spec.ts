import { sliceContext, sliceVendor } from '../testing/slice-fixtures';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { memoryMails } from '../../../libs/testing/memory-mails';
import { handleCommand } from '../../../libs/platform/command-handling/command-handler';
import { invitationDecider } from '../invitation/decide';
import type { CancelInvitation, ExpireInvitation } from '../invitation/invitation.commands';
import { invitationStream } from '../invitation/invitation.events';
import { sendInvitation } from '../send-invitation/send-invitation';
import { resendInvitation } from './resend-invitation';

const vendor = sliceVendor;
const context = sliceContext;

describe('resending an invitation', () => {
  const input = { email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee' };
  let store: SqliteEventStore;
  let mails: ReturnType<typeof memoryMails>;
  let deps: { store: SqliteEventStore; mails: typeof mails; publicUrl: string };
  beforeEach(() => {
    store = new SqliteEventStore(':memory:');
    mails = memoryMails();
    deps = { store, mails, publicUrl: 'http://app.test' };
  });
  afterEach(() => store.close());

  describe('when it is refused on what the invitation already is', () => {
    it('writes no email down, for a cancelled, an unknown or another vendor’s invitation', async () => {
      const { response } = await sendInvitation(deps, vendor, input, context());
      const cancel: CancelInvitation = {
        type: 'CancelInvitation',
        vendorId: vendor.companyId,
        cancelledBy: vendor.userId,
      };
      const stream = invitationStream(response.invitationId);
      await handleCommand(store, invitationDecider, stream, cancel, context());
      const written = mails.intended.length;

      const other = { ...vendor, companyId: 'other-co' };
      for (const [who, id, code] of [
        [vendor, response.invitationId, 'invitation_not_resendable'],
        [vendor, '00000000-0000-4000-8000-000000000000', 'invitation_not_found'],
        [other, response.invitationId, 'invitation_not_found'],
      ] as const) {
        await expect(resendInvitation(deps, who, id, undefined, context())).rejects.toMatchObject({
          code,
        });
      }
      expect(mails.intended.length).toBe(written);
    });
  });

  describe('when a newer invitation to the same email holds the slot', () => {
    it('refuses with invitation_already_pending and writes no email down', async () => {
      const { response: old } = await sendInvitation(deps, vendor, input, context());
      const expire: ExpireInvitation = { type: 'ExpireInvitation' };
      const later = { ...context(), now: new Date(Date.now() + 8 * 86_400_000) };
      await handleCommand(
        store,
        invitationDecider,
        invitationStream(old.invitationId),
        expire,
        later,
      );
      await sendInvitation(deps, vendor, input, later);
      const written = mails.intended.length;

      await expect(
        resendInvitation(deps, vendor, old.invitationId, undefined, later),
      ).rejects.toMatchObject({ code: 'invitation_already_pending' });
      expect(mails.intended.length).toBe(written);
    });
  });

  describe('when it is recorded', () => {
    it('reads the invitation once, and writes down the email to its invited address', async () => {
      const { response } = await sendInvitation(deps, vendor, input, context());
      const stream = invitationStream(response.invitationId);
      const reads = jest.spyOn(store, 'readStream');

      const resent = await resendInvitation(deps, vendor, response.invitationId, 3, context());
      expect(reads.mock.calls.filter(([name]) => name === stream)).toHaveLength(1);
      expect(mails.intended.at(-1)).toMatchObject({ to: input.email });
      expect(mails.intended.at(-1)!.text).toContain(resent.response.acceptUrl);
    });
  });
});
