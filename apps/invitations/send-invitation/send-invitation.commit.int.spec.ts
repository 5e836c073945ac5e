import { sliceContext, sliceVendor } from '../testing/slice-fixtures';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mailsCrashingAfterCommit } from '../../../libs/testing/mails-crashing-after-commit';
import { resendInvitation } from '../resend-invitation/resend-invitation';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { failingFirstWriteOf } from '../../../libs/event-store/testing/failing-write';
import { pendingSlotStream } from '../pending-slot/pending-slot.decider';
import { sendInvitation } from './send-invitation';
import { memoryMails } from '../../../libs/testing/memory-mails';

const vendor = sliceVendor;
const input = { email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee' };
const context = sliceContext;

describe('sending an invitation', () => {
  let store: SqliteEventStore;
  const mails = memoryMails();
  beforeEach(() => (store = new SqliteEventStore(':memory:')));
  afterEach(() => store.close());

  describe('when its commit fails', () => {
    it('records neither the invitation nor its slot claim, so the next send goes through at once', async () => {
      const deps = {
        store: failingFirstWriteOf(store, 'InvitationSent'),
        mails,
        publicUrl: 'http://app.test',
      };
      await expect(sendInvitation(deps, vendor, input, context())).rejects.toMatchObject({
        code: 'event_store_unavailable',
        cause: expect.objectContaining({ message: 'disk gone' }),
      });
      expect(await store.headPosition()).toBe(0n);

      const { response } = await sendInvitation(deps, vendor, input, context());
      expect(response.status).toBe('pending');
      const claims = await store.readStream(pendingSlotStream(vendor.companyId, input.email));
      expect(claims.map((e) => e.data.invitationId)).toEqual([response.invitationId]);
    });
  });

  describe('when it is recorded', () => {
    it('writes the invitation and its slot claim in one commit', async () => {
      const deps = { store, mails, publicUrl: 'http://app.test' };
      const { response, position } = await sendInvitation(deps, vendor, input, context());
      const all = await store.readAll({ after: 0n, maxCount: 10 });
      expect(all.map((e) => e.type)).toEqual(['InvitationSent', 'PendingSlotClaimed']);
      expect(all[0].data.invitationId).toBe(response.invitationId);
      expect(position).toBe(all[1].position); // the commit's last
    });
  });

  describe('when a pending invitation to the same email holds the slot', () => {
    it('refuses with invitation_already_pending and writes no email down', async () => {
      const written = memoryMails();
      const deps = { store, mails: written, publicUrl: 'http://app.test' };
      await sendInvitation(deps, vendor, input, context());
      await expect(sendInvitation(deps, vendor, input, context())).rejects.toMatchObject({
        code: 'invitation_already_pending',
      });
      expect(written.intended).toHaveLength(1);
    });
  });

  describe('when the process dies between the commit and the mail spool', () => {
    it('the next start sends the invitation and the resent link, and nothing for a refused send', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'invitation-mail-'));
      const crashing = mailsCrashingAfterCommit(dir, store);
      try {
        const deps = { store, mails: crashing.mails, publicUrl: 'http://app.test' };
        const { response } = await sendInvitation(deps, vendor, input, context());
        await expect(sendInvitation(deps, vendor, input, context())).rejects.toMatchObject({
          code: 'invitation_already_pending',
        });
        const resent = await resendInvitation(deps, vendor, response.invitationId, 3, context());

        const delivered = await crashing.restart();
        expect(delivered.map((m) => m.to)).toEqual([input.email, input.email]);
        expect(delivered.map((m) => m.text.includes(response.acceptUrl))).toEqual([true, false]);
        expect(delivered[1].text).toContain(resent.response.acceptUrl);
        expect(delivered[1].text).toContain(resent.response.expiresAt);
      } finally {
        await crashing.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
