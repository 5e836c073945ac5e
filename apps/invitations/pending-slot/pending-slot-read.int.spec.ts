import type { EventStore, RecordedEvent } from '../../../libs/event-store';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import {
  handleCommand,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { memoryMails } from '../../../libs/testing/memory-mails';
import { testUser } from '../../../libs/testing/test-tokens';
import { invitationDecider } from '../invitation/decide';
import { invitationStream } from '../invitation/invitation.events';
import { resendInvitation } from '../resend-invitation/resend-invitation';
import { sendInvitation } from '../send-invitation/send-invitation';
import { pendingSlotStream } from './pending-slot.decider';

const vendor = testUser('vendor');
const input = { email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee' };
const slot = pendingSlotStream(vendor.companyId, input.email);
const context = (): CommandContext => ({
  correlationId: 'c',
  causationId: 'c',
  actor: 't',
  now: new Date(),
});

/** The store, counting the events of the slot's stream its reads hand back. */
function countingSlotReads(store: EventStore) {
  const read = { events: 0 };
  const count = (events: RecordedEvent[]) =>
    void (read.events += events.filter((e) => e.streamName === slot).length);
  const counted: EventStore = Object.assign(Object.create(store) as EventStore, {
    readStream: async (stream: string, from?: number) => {
      const events = await store.readStream(stream, from);
      count(events);
      return events;
    },
    readLastEvent: async (stream: string) => {
      const last = await store.readLastEvent(stream);
      count(last ? [last] : []);
      return last;
    },
  });
  return { counted, read };
}

describe('the vendor+email slot as sends and resends read it', () => {
  let sqlite: SqliteEventStore;
  beforeEach(() => (sqlite = new SqliteEventStore(':memory:')));
  afterEach(() => sqlite.close());

  describe('when a vendor has sent and cancelled to one email many times', () => {
    it('reads one claim for each send and resend, however many are recorded', async () => {
      const { counted, read } = countingSlotReads(sqlite);
      const deps = { store: counted, mails: memoryMails(), publicUrl: 'http://app.test' };
      const readBy = async (command: () => Promise<unknown>) => {
        const before = read.events;
        await command();
        return read.events - before;
      };
      const cancel = (invitationId: string) =>
        handleCommand(
          counted,
          invitationDecider,
          invitationStream(invitationId),
          { type: 'CancelInvitation', vendorId: vendor.companyId, cancelledBy: vendor.userId },
          context(),
        );
      const perSend: number[] = [];
      let last = '';
      for (let i = 0; i < 15; i++) {
        perSend.push(
          await readBy(async () => {
            last = (await sendInvitation(deps, vendor, input, context())).response.invitationId;
          }),
        );
        if (i < 14) await cancel(last);
      }
      const resent = await readBy(() => resendInvitation(deps, vendor, last, 7, context()));

      expect((await sqlite.readStream(slot)).length).toBe(16);
      expect(perSend).toEqual([0, ...Array(14).fill(1)]);
      expect(resent).toBe(1);
    });
  });
});
