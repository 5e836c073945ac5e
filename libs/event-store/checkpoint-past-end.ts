import type { EventStore } from './event-store.port';

/**
 * The store's end, when `checkpoint` is past it: the store was replaced or
 * restored from a backup (or is in memory while the checkpoints are not), and
 * a subscription from the checkpoint would pass over everything appended up to
 * it. With it, the start of the line that says so, naming `worker`.
 */
export async function checkpointPastEnd(
  store: Pick<EventStore, 'endPosition'>,
  worker: string,
  checkpoint: bigint,
): Promise<{ end: bigint; said: string } | undefined> {
  const end = await store.endPosition();
  if (checkpoint <= end) return undefined;
  const said = `${worker}: its checkpoint (${checkpoint}) is past the event store’s last position (${end}), as when the store is replaced or restored`;
  return { end, said };
}
