import { SqliteEventStore } from './sqlite/sqlite-event-store';
import { newEvent } from './testing/event-store.contract';
import { writtenDespiteFailure } from './written-despite-failure';

describe('checking a failed append against its streams', () => {
  let store: SqliteEventStore;
  beforeEach(async () => {
    store = new SqliteEventStore(':memory:');
    await store.append('a', [newEvent('First')], 'no_stream');
  });
  afterEach(() => store.close());

  describe('when the write was made but its answer lost', () => {
    it('gives its revision and position, as the append would have', async () => {
      const events = [newEvent('Second'), newEvent('Third')];
      await store.append('a', events, 0);
      const written = await writtenDespiteFailure(store, [
        { streamName: 'a', events, expected: 0 },
      ]);
      const recorded = await store.readStream('a');
      expect(written).toEqual([{ nextRevision: 2, position: recorded[2].position }]);
    });

    it('gives each stream of a multi-stream append the commit’s last position', async () => {
      const appends = [
        { streamName: 'b', events: [newEvent('One')], expected: 'no_stream' as const },
        { streamName: 'c', events: [newEvent('Two'), newEvent('Three')], expected: 'any' as const },
      ];
      await store.appendToStreams(appends);
      const last = (await store.readStream('c')).at(-1)!.position;
      expect(await writtenDespiteFailure(store, appends)).toEqual([
        { nextRevision: 0, position: last },
        { nextRevision: 1, position: last },
      ]);
    });
  });

  describe('when the write was not made', () => {
    it('finds nothing, though the stream has other events', async () => {
      expect(
        await writtenDespiteFailure(store, [
          { streamName: 'a', events: [newEvent('Lost')], expected: 'any' },
        ]),
      ).toBeUndefined();
    });
  });

  describe('when only some streams hold their events', () => {
    it('finds nothing', async () => {
      const made = [newEvent('Made')];
      await store.append('b', made, 'no_stream');
      expect(
        await writtenDespiteFailure(store, [
          { streamName: 'b', events: made, expected: 'no_stream' },
          { streamName: 'c', events: [newEvent('Lost')], expected: 'no_stream' },
        ]),
      ).toBeUndefined();
    });
  });

  describe('when the write lands moments after the failure', () => {
    it('finds it when looked for again within the settle time', async () => {
      const events = [newEvent('Late')];
      let looks = 0;
      const late = {
        readStream: async (stream: string, from?: number) => {
          if (++looks === 3) await store.append('a', events, 0);
          return store.readStream(stream, from);
        },
      };
      const written = await writtenDespiteFailure(
        late,
        [{ streamName: 'a', events, expected: 0 }],
        { forMs: 1_000, everyMs: 5 },
      );
      expect(written).toEqual([{ nextRevision: 1, position: expect.any(BigInt) }]);
      expect(looks).toBe(3);
    });

    it('gives up once the settle time has passed', async () => {
      let looks = 0;
      const never = { readStream: async () => (looks++, []) };
      const written = await writtenDespiteFailure(
        never,
        [{ streamName: 'a', events: [newEvent('Lost')], expected: 'any' }],
        { forMs: 50, everyMs: 10 },
      );
      expect(written).toBeUndefined();
      expect(looks).toBeGreaterThan(1);
      expect(looks).toBeLessThanOrEqual(6);
    });
  });

  describe('when the streams cannot be read either', () => {
    it('finds nothing rather than failing otherwise', async () => {
      const unreadable = {
        readStream: () => Promise.reject(new Error('server unreachable')),
      };
      expect(
        await writtenDespiteFailure(unreadable, [
          { streamName: 'a', events: [newEvent('Any')], expected: 'any' },
        ]),
      ).toBeUndefined();
    });
  });
});
