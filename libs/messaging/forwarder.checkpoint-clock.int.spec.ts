import Database from 'better-sqlite3';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port';
import type { CheckpointStore } from '../read-store/coordination.port';
import { SqliteCoordination } from '../read-store/sqlite/sqlite-coordination';
import type { Broker } from './broker.port';
import { startForwarder } from './forwarder';

/** An event store whose one subscription hands over a batch each time the test says so. */
function scriptedStore() {
  let deliver!: (position: bigint) => Promise<void>;
  let end!: () => void;
  const store = {
    endPosition: async () => 1_000_000n,
    headPosition: async () => 1_000_000n,
    subscribeToAll: (o: { onEvents: (e: RecordedEvent[], through: bigint) => Promise<void> }) => {
      const done = new Promise<void>((resolve) => (end = resolve));
      deliver = (position) =>
        o.onEvents([{ position, eventId: `e${position}` } as RecordedEvent], position);
      return { done, stop: async () => end() };
    },
  };
  return { store: store as unknown as EventStore, deliver: (p: bigint) => deliver(p) };
}

describe('startForwarder', () => {
  afterEach(() => jest.useRealTimers());

  describe('when the wall clock steps back while it publishes', () => {
    it('still saves its checkpoint once per interval', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const db = new Database(':memory:');
      const coordination = new SqliteCoordination(db);
      const saves: bigint[] = [];
      const checkpoints: CheckpointStore = {
        load: (name) => coordination.load(name),
        save: (name, position, version) => {
          saves.push(position);
          return coordination.save(name, position, version);
        },
      };
      const { store, deliver } = scriptedStore();
      const forwarder = startForwarder({
        ...{ name: 'fwd', store, checkpoints, leases: coordination, map: () => null },
        broker: { publish: async () => undefined } as unknown as Broker,
        checkpointEveryMs: 250,
      });
      try {
        await jest.advanceTimersByTimeAsync(10);
        await deliver(1n); // saved at once
        await jest.advanceTimersByTimeAsync(300);
        jest.setSystemTime(Date.now() - 60 * 60_000); // an NTP step or a resumed VM
        for (let p = 2n; p <= 5n; p++) {
          await deliver(p);
          await jest.advanceTimersByTimeAsync(1_000);
        }
        expect(saves).toEqual([1n, 2n, 3n, 4n, 5n]);
      } finally {
        await forwarder.stop();
        db.close();
      }
    });
  });
});
