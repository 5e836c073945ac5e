import type { EventStore, RecordedEvent } from '../../../libs/event-store';
import type {
  ProjectionStore,
  ProjectionVersionState,
} from '../../../libs/read-store/read-models.port';
import { projectionStatuses, STALLED_AFTER_MS } from './projection-status';

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

/** One projection checkpointed at 5, last committed `committedAgo` ms before now (or never). */
function statusOf(options: {
  head: bigint;
  /** The store's last record, `$` records included (the head unless given). */
  end?: bigint;
  committedAgo?: number;
  oldestWaitingAgo?: number;
}): Promise<string> {
  const state: ProjectionVersionState = {
    projection: 'invitations',
    version: 1,
    state: 'active',
    position: 5n,
    lastEventAt: null,
    updatedAt: options.committedAgo === undefined ? null : ago(options.committedAgo),
    parkedEvents: 0,
  };
  const store = { projectionStates: async () => [state] } as unknown as ProjectionStore;
  const waiting = (after: bigint): RecordedEvent[] =>
    options.oldestWaitingAgo === undefined || after >= options.head
      ? []
      : [
          {
            eventId: 'e6',
            type: 'InvitationSent',
            data: {},
            metadata: { occurredAt: ago(options.oldestWaitingAgo) },
            streamName: 'invitation-1',
            revision: 0,
            position: after + 1n,
          } as RecordedEvent,
        ];
  const eventStore = {
    headPosition: async () => options.head,
    endPosition: async () => options.end ?? options.head,
    readAll: async ({ after }: { after: bigint }) => waiting(after),
  } as unknown as EventStore;
  return projectionStatuses(store, eventStore, ['invitations'], NOW).then(([s]) => s.status);
}

const LONG = STALLED_AFTER_MS + 1_000;

describe('projection status', () => {
  describe('when the checkpoint is at the head', () => {
    it('is live, however long ago it committed', async () => {
      expect(await statusOf({ head: 5n, committedAgo: LONG })).toBe('live');
    });
  });

  describe('when the checkpoint is past the store’s last record', () => {
    it('is stalled, though it shows no lag: what is appended up to it is passed over', async () => {
      expect(await statusOf({ head: 3n, committedAgo: 1_000 })).toBe('stalled');
    });

    it('is live when only records of the store’s own lie past its last event', async () => {
      expect(await statusOf({ head: 3n, end: 5n, committedAgo: LONG })).toBe('live');
    });
  });

  describe('when behind and it committed lately', () => {
    it('is catching up', async () => {
      expect(await statusOf({ head: 9n, committedAgo: 1_000, oldestWaitingAgo: LONG })).toBe(
        'catching_up',
      );
    });
  });

  describe('when an idle worker has just been handed an event', () => {
    it('is catching up, not stalled', async () => {
      expect(await statusOf({ head: 6n, committedAgo: LONG, oldestWaitingAgo: 100 })).toBe(
        'catching_up',
      );
    });
  });

  describe('when a version that never committed has a fresh event waiting', () => {
    it('is catching up', async () => {
      expect(await statusOf({ head: 6n, oldestWaitingAgo: 100 })).toBe('catching_up');
    });
  });

  describe('when the oldest waiting event and the last commit are both old', () => {
    it('is stalled', async () => {
      expect(await statusOf({ head: 9n, committedAgo: LONG, oldestWaitingAgo: LONG })).toBe(
        'stalled',
      );
      expect(await statusOf({ head: 9n, oldestWaitingAgo: LONG })).toBe('stalled');
    });
  });

  describe('when the waiting event carries no time of ours', () => {
    it('goes by the last commit', async () => {
      expect(await statusOf({ head: 9n, committedAgo: LONG })).toBe('stalled');
      expect(await statusOf({ head: 9n, committedAgo: 1_000 })).toBe('catching_up');
    });
  });
});
