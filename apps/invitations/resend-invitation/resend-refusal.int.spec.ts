import { sliceContext, sliceVendor } from '../testing/slice-fixtures';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { memoryMails } from '../../../libs/testing/memory-mails';
import { handleCommand } from '../../../libs/platform/command-handling/command-handler';
import { invitationDecider } from '../invitation/decide';
import type { CancelInvitation } from '../invitation/invitation.commands';
import { invitationStream } from '../invitation/invitation.events';
import { sendInvitation } from '../send-invitation/send-invitation';
import { resendInvitation } from './resend-invitation';

const vendor = sliceVendor;
const context = sliceContext;

describe('resending an invitation', () => {
  let store: SqliteEventStore;
  beforeEach(() => (store = new SqliteEventStore(':memory:')));
  afterEach(() => store.close());

  describe('when it is refused on what the invitation already is', () => {
    it('writes no email down, for a cancelled, an unknown or another vendor’s invitation', async () => {
      const mails = memoryMails();
      const deps = { store, mails, publicUrl: 'http://app.test' };
      const input = { email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee' };
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
});
