import type { EventStore, RecordedEvent } from './event-store.port';

/**
 * Every event from `from` to `to`, both included, a page at a time: the range
 * an operator names with `--from … --to …`. `from` is read inclusively, so it
 * may be any event's position on either store.
 */
export async function* pagesBetween(
  store: Pick<EventStore, 'readAll'>,
  from: bigint,
  to: bigint,
  pageSize: number,
): AsyncGenerator<RecordedEvent[]> {
  let after = from;
  let inclusive = true;
  for (;;) {
    const page = await store.readAll({ after, inclusive, maxCount: pageSize, until: to });
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1].position;
    inclusive = false;
  }
}
