import { WrongExpectedRevisionError, type EventStore, type RecordedEvent } from '../../event-store';
import { refuseAsUnavailable } from '../errors/app-error';
import { StaleObservationError, type Decider } from './decider';

/** What a read needs to know of the decider that folds it. */
export type ReadsFor = Pick<Decider<unknown, never, never>, 'latestOnly'>;

/**
 * A stream's events for a command or a strongly consistent read. A store that
 * fails (not a conflict) is answered 503 `event_store_unavailable`.
 */
export function readHistory(store: EventStore, streamName: string): Promise<RecordedEvent[]> {
  return store.readStream(streamName).catch(storeFailure);
}

/**
 * What `decider` folds: the whole stream, or for a `latestOnly` decider its
 * last event alone, so a stream appended to on every command (a reservation)
 * costs the same to read however long it grows. Either ends at the stream's
 * last revision, which the command's append expects.
 */
export function readFor(
  store: EventStore,
  decider: ReadsFor,
  streamName: string,
): Promise<RecordedEvent[]> {
  if (!decider.latestOnly) return readHistory(store, streamName);
  return store
    .readLastEvent(streamName)
    .then((last) => (last ? [last] : []))
    .catch(storeFailure);
}

/**
 * The reads of one command cycle: each stream is read once, and deciding on a
 * stream reuses what observing it read. Only a whole-stream read after a
 * last-event read of the same stream reads it again; if the stream moved in
 * between, the cycle's observations disagree, and it runs again.
 */
export function cycleReads(store: EventStore) {
  const reads = new Map<string, { whole: boolean; history: Promise<RecordedEvent[]> }>();
  return (decider: ReadsFor, stream: string): Promise<RecordedEvent[]> => {
    const whole = !decider.latestOnly;
    const done = reads.get(stream);
    if (done && (done.whole || !whole)) return done.history;
    const read = readFor(store, decider, stream);
    const history = done ? sameEnd(done.history, read, stream) : read;
    reads.set(stream, { whole, history });
    return history;
  };
}

const endOf = (history: RecordedEvent[]) => history.at(-1)?.revision ?? -1;

async function sameEnd(
  earlier: Promise<RecordedEvent[]>,
  later: Promise<RecordedEvent[]>,
  stream: string,
): Promise<RecordedEvent[]> {
  const [before, now] = await Promise.all([earlier, later]);
  if (endOf(before) !== endOf(now)) throw new StaleObservationError(`${stream} moved while read`);
  return now;
}

/** Conflicts go on to be retried; any other failure of the store is its being unavailable. */
export function storeFailure(error: unknown): never {
  if (error instanceof WrongExpectedRevisionError) throw error;
  return eventStoreUnavailable(error);
}

const eventStoreUnavailable = refuseAsUnavailable('event_store_unavailable', 'The event store');
