import {
  BACKWARDS,
  END,
  StreamNotFoundError,
  type KurrentDBClient,
  type ReadRevision,
} from '@kurrent/kurrentdb-client';
import type { RecordedEvent } from '../event-store.port';
import { toRecorded } from './kurrentdb-records';

/** Records read at a time before a last record that is not ours. */
const PAGE = 64;

/**
 * A stream's last event, as `readStream` would end: one record read
 * backwards from the end. A record that is not ours (another service's, a
 * link) is passed over as `readStream` passes over it, reading on before it a
 * page at a time. `undefined` when the stream does not exist or holds none of ours.
 */
export async function lastEvent(
  client: KurrentDBClient,
  stream: string,
): Promise<RecordedEvent | undefined> {
  let fromRevision: ReadRevision = END;
  let maxCount = 1;
  try {
    for (;;) {
      let count = 0;
      let found: RecordedEvent | undefined;
      let earliest: bigint | undefined;
      // The page is read to its end, rather than the call left midway.
      for await (const resolved of client.readStream(stream, {
        direction: BACKWARDS,
        fromRevision,
        maxCount,
      })) {
        count += 1;
        found ??= toRecorded(resolved);
        earliest = (resolved.link ?? resolved.event)?.revision ?? earliest;
      }
      if (found) return found;
      if (count < maxCount || earliest === undefined || earliest === 0n) return undefined;
      [fromRevision, maxCount] = [earliest - 1n, PAGE];
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return undefined;
    throw error;
  }
}
