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
