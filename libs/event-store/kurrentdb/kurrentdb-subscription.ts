import {
  CancelledError,
  DeadlineExceededError,
  eventTypeFilter,
  excludeSystemEvents,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type KurrentDBClient,
  NotLeaderError,
  TimeoutError,
  UnavailableError,
  type Position,
} from '@kurrent/kurrentdb-client';
import { backoffMs, pause, type Backoff } from '../../platform/retry/backoff';
import type { RecordedEvent, SubscribeOptions, Subscription } from '../event-store.port';
import { at, exactTypes, positionOf, toRecorded } from './kurrentdb-records';
import { nextBatch } from './next-batch';

const BACKOFF: Backoff = { firstMs: 100, maxMs: 5_000 };
const DEFAULT_BATCH = 500;

/**
 * Where the server's filtered search has read through, put into the client's
 * stream in order: the client awaits `checkpointReached` between the events
 * before the server's checkpoint and those after it, so the notice is read
 * after every event it covers and moving past it skips none still buffered.
 * The server sends later events only past it.
 */
interface CheckpointNotice {
  readonly checkpointThrough: bigint;
}
type Item = AllStreamResolvedEvent | CheckpointNotice;
const isNotice = (item: Item): item is CheckpointNotice => 'checkpointThrough' in item;
const noteCheckpoint = (sub: AllStreamSubscription, position: Position) =>
  void sub.push({ checkpointThrough: position.commit } satisfies CheckpointNotice);

/**
 * `$all` after a checkpoint, over the client's catch-up subscription with the
 * types filtered on the server. Whatever the client received while the
 * handler ran is its next batch (up to `maxBatch`, which also bounds what the
 * client buffers meanwhile), so catching up costs a handler call per batch,
 * not per event: one commit or one round of publisher confirms for many
 * events. The server's checkpoint notices move a reader past events of other
 * types (`onSkipped`). A dropped subscription is opened again after the last
 * position handled, with a growing wait.
 */
export function subscribeToAll(
  client: Pick<KurrentDBClient, 'subscribeToAll'>,
  options: SubscribeOptions,
): Subscription {
  const skip = ['$', ...(options.skipStreamPrefixes ?? [])];
  const types = options.types;
  const maxBatch = options.maxBatch ?? DEFAULT_BATCH;
  const wanted = (e: RecordedEvent | undefined): e is RecordedEvent =>
    e !== undefined &&
    (!types || types.includes(e.type)) &&
    !skip.some((p) => e.streamName.startsWith(p));
  const stopping = new AbortController();
  const stopped = () => stopping.signal.aborted;
  let current: AllStreamSubscription | undefined;

  const run = async () => {
    // Undefined only at the very start of `$all`, whose first event may sit at position 0.
    let last = options.after === 0n ? undefined : options.after;
    for (let attempt = 0; !stopped(); attempt += 1) {
      const sub = client.subscribeToAll(
        {
          fromPosition: at(last ?? 0n),
          filter: types
            ? eventTypeFilter({ regex: exactTypes(types), checkpointReached: noteCheckpoint })
            : excludeSystemEvents({ checkpointReached: noteCheckpoint }),
        },
        { highWaterMark: maxBatch },
      );
      // The client reports a failed call by emitting 'error' without ending or destroying its
      // stream, and a listener keeps Node from destroying it: destroyed here, the loop's
      // nextBatch rejects with the error instead of waiting forever.
      sub.on('error', (error: Error) => sub.destroy(error));
      current = sub;
      let inHandler = false;
      try {
        for (;;) {
          const batch = await nextBatch<Item>(sub, maxBatch);
          if (batch === null || stopped()) break;
          const events: RecordedEvent[] = [];
          let through = last;
          for (const item of batch) {
            const position = isNotice(item) ? item.checkpointThrough : positionOf(item);
            // Nothing handled is handed over again, should the server repeat the position it starts after.
            if (position === undefined || (through !== undefined && position <= through)) continue;
            if (!isNotice(item)) {
              const event = toRecorded(item);
              if (wanted(event)) events.push(event);
            }
            through = position;
          }
          inHandler = true;
          if (events.length > 0) await options.onEvents(events, through!);
          else if (through !== last) await options.onSkipped?.(through!);
          inHandler = false;
          last = through;
          attempt = 0;
        }
      } catch (error) {
        // A handler error ends the subscription; so does one that retrying cannot cure.
        if (inHandler || (!stopped() && !retriable(error))) throw error;
      } finally {
        current = undefined;
        await sub.unsubscribe().catch(() => undefined);
      }
      if (stopped()) return;
      // Dropped (error or server-side end): subscribe again after the last position handled.
      await pause(backoffMs(BACKOFF, attempt), stopping.signal);
    }
  };

  const done = run();
  return {
    done,
    async stop() {
      stopping.abort();
      const sub = current;
      if (sub) await sub.unsubscribe().catch(() => undefined);
      sub?.destroy();
      await done.catch(() => undefined);
    },
  };
}

/**
 * What a new subscription may cure: the server or the connection going away.
 * Anything else (a position the server cannot read from, denied access, an
 * error the client does not know) would fail the same way every time, so it
 * ends the subscription and its owner reports it, rather than retrying unseen.
 */
const TRANSIENT = [
  UnavailableError,
  CancelledError,
  DeadlineExceededError,
  TimeoutError,
  NotLeaderError,
];

function retriable(error: unknown): boolean {
  return TRANSIENT.some((kind) => error instanceof kind);
}
