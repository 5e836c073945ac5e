import type { EventStore, StreamAppend } from '../event-store.port';

/**
 * The store, running `before` ahead of every write with the appends it is
 * about to commit: to fail a commit, or to let another command commit first.
 */
export function beforeEachWrite(
  store: EventStore,
  before: (appends: StreamAppend[]) => Promise<void> | void,
): EventStore {
  return Object.assign(Object.create(store) as EventStore, {
    append: async (...[streamName, events, expected]: Parameters<EventStore['append']>) => {
      await before([{ streamName, events, expected }]);
      return store.append(streamName, events, expected);
    },
    appendToStreams: async (appends: StreamAppend[]) => {
      await before(appends);
      return store.appendToStreams(appends);
    },
  });
}

/**
 * The store, failing the first write that carries an event of `type` as a
 * crash at that commit would; every other call goes through.
 */
export function failingFirstWriteOf(store: EventStore, type: string): EventStore {
  let failed = false;
  return beforeEachWrite(store, (appends) => {
    if (failed || !appends.some((a) => a.events.some((e) => e.type === type))) return;
    failed = true;
    throw new Error('disk gone');
  });
}
