import type { EventStore, RecordedEvent } from '../../event-store';
import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import { handleCommand, handleCommands, loadState, type CommandContext } from './command-handler';
import type { Decider } from './decider';

type Numbered = { type: 'Numbered'; data: { seq: number } };
type Next = { type: 'Next' } | { type: 'Same' };

/** Each event carries the whole state (the last number given), so the stream's last event is it. */
const numbering: Decider<{ seq: number }, Next, Numbered> = {
  latestOnly: true,
  initialState: () => ({ seq: 0 }),
  evolve: (_state, e) => ({ seq: e.data.seq }),
  decide: (c, s) => (c.type === 'Same' ? [] : [{ type: 'Numbered', data: { seq: s.seq + 1 } }]),
};

const context = (): CommandContext => ({
  correlationId: 'c-1',
  causationId: 'c-1',
  actor: 'user:u1',
  now: new Date('2026-11-26T10:00:00Z'),
});

/** The store, counting the events its reads hand back. */
function countingReads(store: EventStore) {
  const read = { events: 0 };
  const counted = (events: RecordedEvent[]) => ((read.events += events.length), events);
  const wrapped: EventStore = Object.assign(Object.create(store) as EventStore, {
    readStream: async (stream: string, from?: number) =>
      counted(await store.readStream(stream, from)),
    readLastEvent: async (stream: string) => {
      const last = await store.readLastEvent(stream);
      counted(last ? [last] : []);
      return last;
    },
  });
  return { store: wrapped, read };
}

describe('a decider whose state is its stream’s last event (latestOnly)', () => {
  let sqlite: SqliteEventStore;
  beforeEach(() => (sqlite = new SqliteEventStore(':memory:')));
  afterEach(() => sqlite.close());

  describe('when its stream grows with every command', () => {
    it('reads one event a command, however many came before', async () => {
      const { store, read } = countingReads(sqlite);
      const perCommand: number[] = [];
      for (let i = 1; i <= 20; i++) {
        const before = read.events;
        const r = await handleCommand(store, numbering, 'numbers-1', { type: 'Next' }, context());
        expect(r.state).toEqual({ seq: i });
        perCommand.push(read.events - before);
      }
      expect(perCommand).toEqual([0, ...Array(19).fill(1)]);
      expect(await loadState(store, numbering, 'numbers-1')).toEqual({
        state: { seq: 20 },
        exists: true,
      });
      expect(read.events).toBe(20);
    });
  });

  describe('when a command changes nothing', () => {
    it('answers the position of the last event read', async () => {
      const { position } = await handleCommand(
        sqlite,
        numbering,
        'numbers-1',
        { type: 'Next' },
        context(),
      );
      const same = await handleCommand(sqlite, numbering, 'numbers-1', { type: 'Same' }, context());
      expect(same).toEqual({ state: { seq: 1 }, events: [], position });
    });
  });

  describe('when many commands race on its stream', () => {
    it('appends each at the revision of the last event read, so none is lost or repeated', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, () =>
          handleCommand(sqlite, numbering, 'numbers-2', { type: 'Next' }, context()),
        ),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const recorded = await sqlite.readStream('numbers-2');
      expect(recorded.map((e) => e.data.seq)).toEqual(recorded.map((e) => e.revision + 1));
      expect(recorded).toHaveLength(30);
    });
  });

  describe('when prepare observes its stream and then decides on it', () => {
    it('reads the last event once, and never the whole stream', async () => {
      await handleCommand(sqlite, numbering, 'numbers-3', { type: 'Next' }, context());
      const [whole, last] = [jest.spyOn(sqlite, 'readStream'), jest.spyOn(sqlite, 'readLastEvent')];
      const [r] = await handleCommands(
        sqlite,
        async (load) => {
          expect((await load(numbering, 'numbers-3')).state).toEqual({ seq: 1 });
          return [{ decider: numbering, streamName: 'numbers-3', command: { type: 'Next' } }];
        },
        context(),
      );
      expect(r.state).toEqual({ seq: 2 });
      expect([whole.mock.calls.length, last.mock.calls.length]).toEqual([0, 1]);
    });
  });

  describe('when the store fails to read the last event', () => {
    it('refuses with 503 event_store_unavailable', async () => {
      jest.spyOn(sqlite, 'readLastEvent').mockRejectedValueOnce(new Error('disk I/O error'));
      const refused = handleCommand(sqlite, numbering, 'numbers-4', { type: 'Next' }, context());
      await expect(refused).rejects.toMatchObject({ code: 'event_store_unavailable' });
    });
  });

  describe('when a decider that folds the whole stream loads it after a latestOnly one', () => {
    it('reads it whole for that one', async () => {
      for (let i = 0; i < 3; i++) {
        await handleCommand(sqlite, numbering, 'numbers-5', { type: 'Next' }, context());
      }
      const sum = {
        ...numbering,
        latestOnly: false,
        evolve: (s: { seq: number }, e: Numbered) => ({ seq: s.seq + e.data.seq }),
      };
      const [r] = await handleCommands(
        sqlite,
        async (load) => {
          expect((await load(numbering, 'numbers-5')).state).toEqual({ seq: 3 });
          expect((await load(sum, 'numbers-5')).state).toEqual({ seq: 6 });
          return [{ decider: numbering, streamName: 'numbers-5', command: { type: 'Same' } }];
        },
        context(),
      );
      expect(r.state).toEqual({ seq: 3 });
    });

    it('runs the cycle again when the stream moved between the two reads', async () => {
      await handleCommand(sqlite, numbering, 'numbers-6', { type: 'Next' }, context());
      let raced = false;
      // Another writer appends right after this cycle's last-event read.
      const store: EventStore = Object.assign(Object.create(sqlite) as EventStore, {
        readLastEvent: async (stream: string) => {
          const last = await sqlite.readLastEvent(stream);
          if (!raced) {
            raced = true;
            await handleCommand(sqlite, numbering, stream, { type: 'Next' }, context());
          }
          return last;
        },
      });
      const whole = { ...numbering, latestOnly: false };
      const seen: number[][] = [];
      await handleCommands(
        store,
        async (load) => {
          const observed = [(await load(numbering, 'numbers-6')).state.seq];
          seen.push(observed);
          observed.push((await load(whole, 'numbers-6')).state.seq);
          return [{ decider: numbering, streamName: 'numbers-6', command: { type: 'Next' } }];
        },
        context(),
      );
      expect(seen).toEqual([[1], [2, 2]]);
      expect((await loadState(sqlite, numbering, 'numbers-6')).state).toEqual({ seq: 3 });
    });
  });
});
