import { setTimeout as delay } from 'node:timers/promises';
import {
  atCommitEnd,
  type AppendResult,
  type EventStore,
  type RecordedEvent,
  type StreamAppend,
} from './event-store.port';

/**
 * Whether an append that failed other than by a conflict was written all the
 * same: a connection dropped after the server's commit, before its answer,
 * reports a write that was made, and a client told it failed would retry it
 * and record it twice (a second invitation, a registration refused as taken).
 * The append's results when every event of it is in its stream, found by id,
 * as one commit gives them; undefined otherwise, or when reading fails too.
 * (The SQLite store checks its writer thread the same way, on its file:
 * `sqlite/committed-despite-failure.ts`.)
 */
export async function writtenDespiteFailure(
  store: Pick<EventStore, 'readStream'>,
  appends: StreamAppend[],
  settle: { forMs: number; everyMs: number; until?: () => boolean } = { forMs: 0, everyMs: 0 },
): Promise<AppendResult[] | undefined> {
  // A server that answered with a timeout may commit the write moments later: looked for again
  // until `settle.forMs` has passed (or `until` says stop), or the retry would meet its own write.
  const deadline = Date.now() + settle.forMs;
  for (;;) {
    const written = await lookFor(store, appends);
    if (written || Date.now() + settle.everyMs >= deadline || settle.until?.()) return written;
    await delay(settle.everyMs, undefined, { ref: false });
  }
}

async function lookFor(
  store: Pick<EventStore, 'readStream'>,
  appends: StreamAppend[],
): Promise<AppendResult[] | undefined> {
  try {
    const found: RecordedEvent[][] = [];
    for (const { streamName, events, expected } of appends) {
      const from = typeof expected === 'number' ? expected + 1 : 0;
      const recorded = new Map(
        (await store.readStream(streamName, from)).map((r) => [r.eventId, r]),
      );
      const ours = events.map((e) => recorded.get(e.eventId));
      if (ours.some((r) => r === undefined)) return undefined;
      found.push(ours as RecordedEvent[]);
    }
    const last = found.map((ours) => ours.at(-1)!);
    return atCommitEnd(last.map((r) => ({ nextRevision: r.revision, position: r.position })));
  } catch {
    return undefined;
  }
}
