import {
  AccessDeniedError,
  eventTypeFilter,
  excludeSystemEvents,
  isCommandError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type KurrentDBClient,
} from '@kurrent/kurrentdb-client';
import type { RecordedEvent, SubscribeOptions, Subscription } from '../event-store.port';
import { at, positionOf, toRecorded } from './kurrentdb-records';
import { nextBatch } from './next-batch';

const BACKOFF_MS = { first: 100, max: 5_000 };
const DEFAULT_BATCH = 500;

/**
 * `$all` after a checkpoint, over the client's catch-up subscription with the
 * types filtered on the server. Whatever the client received while the
 * handler ran is its next batch (up to `maxBatch`, which also bounds what the
 * client buffers meanwhile), so catching up costs a handler call per batch,
 * not per event: one commit or one round of publisher confirms for many
 * events. A dropped subscription is opened again after the last position
 * handled, with a growing wait.
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
  let stopped = false;
  let current: AllStreamSubscription | undefined;
  let wake: () => void = () => undefined;

  const run = async () => {
    // Undefined only at the very start of `$all`, whose first event may sit at position 0.
    let last = options.after === 0n ? undefined : options.after;
    for (let attempt = 0; !stopped; attempt += 1) {
      const sub = client.subscribeToAll(
        {
          fromPosition: at(last ?? 0n),
          // `onSkipped` is not called: the server's checkpoint notices can overtake events
          // still buffered here, so they cannot safely move the position.
          filter: types ? eventTypeFilter({ regex: exactly(types) }) : excludeSystemEvents(),
        },
        { highWaterMark: maxBatch },
      );
      sub.on('error', () => undefined); // errors reach the loop through nextBatch
      current = sub;
      let inHandler = false;
      try {
        for (;;) {
          const batch = await nextBatch<AllStreamResolvedEvent>(sub, maxBatch);
          if (batch === null || stopped) break;
          const events: RecordedEvent[] = [];
          let through = last;
          for (const resolved of batch) {
            const position = positionOf(resolved);
            // A subscription opened again starts at the position it is given, inclusive.
            if (position === undefined || (through !== undefined && position <= through)) continue;
            const event = toRecorded(resolved);
            if (wanted(event)) events.push(event);
            through = position;
          }
          if (events.length > 0) {
            inHandler = true;
            await options.onEvents(events, through!);
            inHandler = false;
          }
          last = through;
          attempt = 0;
        }
      } catch (error) {
        // A handler error ends the subscription; so does one that retrying cannot cure.
        if (inHandler || (!stopped && !retriable(error))) throw error;
      } finally {
        current = undefined;
        await sub.unsubscribe().catch(() => undefined);
      }
      if (stopped) return;
      // Dropped (error or server-side end): subscribe again after the last position handled.
      const delay = Math.min(BACKOFF_MS.first * 2 ** attempt, BACKOFF_MS.max);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  const done = run();
  return {
    done,
    async stop() {
      stopped = true;
      wake();
      const sub = current;
      if (sub) await sub.unsubscribe().catch(() => undefined);
      sub?.destroy();
      await done.catch(() => undefined);
    },
  };
}

/** A regex matching exactly these event types. */
const exactly = (types: readonly string[]) =>
  `^(?:${types.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;

function retriable(error: unknown): boolean {
  return error instanceof Error && isCommandError(error) && !(error instanceof AccessDeniedError);
}
