import type { EventStore, StreamAppend } from '../event-store.port';

/**
 * The store, failing the first write that carries an event of `type` as a
 * crash at that commit would; every other call goes through.
 */
export function failingFirstWriteOf(store: EventStore, type: string): EventStore {
  let failed = false;
  const failOnce = (appends: StreamAppend[]) => {
    if (failed || !appends.some((a) => a.events.some((e) => e.type === type))) return;
    failed = true;
    throw new Error('disk gone');
  };
  return Object.assign(Object.create(store) as EventStore, {
    append: async (...[streamName, events, expected]: Parameters<EventStore['append']>) => {
      failOnce([{ streamName, events, expected }]);
      return store.append(streamName, events, expected);
    },
    appendToStreams: async (appends: StreamAppend[]) => {
      failOnce(appends);
      return store.appendToStreams(appends);
    },
  });
}
