import type { EventStore } from '../../../libs/event-store';
import { checkpointPastEnd } from '../../../libs/event-store/checkpoint-past-end';
import { backoffMs, pause } from '../../../libs/platform/retry/backoff';
import { CheckpointConflictError } from '../../../libs/read-store/coordination.port';
import {
  ProjectionVersionRetiredError,
  type ProjectionStore,
} from '../../../libs/read-store/read-models.port';
import { projectBatch, type RetryPolicy } from './project-batch';
import type { Projection } from './projection';

export interface RunProjectionOptions {
  eventStore: EventStore;
  store: ProjectionStore;
  projection: Projection;
  maxBatch?: number;
  retry?: RetryPolicy;
  /** How often the worker checks whether a rebuild switched the active version. */
  versionCheckMs?: number;
  onCommitted?: (version: number, position: bigint) => void;
  log?: (message: string) => void;
}

/** Pause before resubscribing after the second and later conflicts in a row: 25 ms doubling, at most 1 s. */
export const conflictBackoffMs = (conflicts: number): number =>
  conflicts < 2 ? 0 : backoffMs({ firstMs: 25, maxMs: 1000 }, conflicts - 2);

/** Conflicts in a row, without a commit of its own, after which the worker says so. */
const CONFLICTS_TO_REPORT = 5;

/**
 * Catch-up-then-live subscription of one projection from its durable
 * checkpoint, writing the active version. When a rebuild switches versions it
 * continues on the new one from that version's checkpoint. When its commit
 * meets a CheckpointConflictError (a replay, `ops parked replay`, committed
 * with the checkpoint, or a late instance did), it drops the batch and
 * resubscribes from the checkpoint as it now is: the lease decides who runs
 * (a lost lease aborts `signal`) and the fence keeps a stale write out, so
 * going on is safe; conflicts in a row back off. Ends when `signal` aborts;
 * rejects on a read-model failure, so the caller can restart it.
 */
export async function runProjection(
  options: RunProjectionOptions,
  signal: AbortSignal,
): Promise<void> {
  const { eventStore, store, projection } = options;
  let conflicts = 0; // in a row, without a commit of this worker in between
  while (!signal.aborted) {
    if (conflicts >= 2) await pause(conflictBackoffMs(conflicts), signal);
    if (signal.aborted) return;
    const version = await store.ensureProjection(projection.name);
    const target = { projection: projection.name, version };
    let checkpoint = await store.loadCheckpoint(target);
    await warnIfPastHead(options, checkpoint.position);
    if (signal.aborted) return;

    const run = new AbortController();
    const subscription = eventStore.subscribeToAll({
      after: checkpoint.position,
      maxBatch: options.maxBatch ?? 500,
      skipStreamPrefixes: ['$'],
      // Unfiltered: the checkpoint must pass every position, which X-Min-Position waits on, and
      // not every store reports how far a filtered subscription skipped.
      onEvents: async (events) => {
        checkpoint = await projectBatch(
          { store, projection, target, retry: options.retry, signal: run.signal, log: options.log },
          events,
          checkpoint,
        );
        conflicts = 0;
        options.onCommitted?.(version, checkpoint.position);
      },
    });
    const stop = () => {
      run.abort();
      void subscription.stop();
    };
    signal.addEventListener('abort', stop);
    const watch = setInterval(() => {
      store.activeVersion(projection.name).then(
        (active) => active !== version && stop(),
        () => undefined,
      );
    }, options.versionCheckMs ?? 1000);
    try {
      await subscription.done;
    } catch (error) {
      if (error instanceof CheckpointConflictError) {
        // Someone else committed with the checkpoint: go on from what they left.
        if (++conflicts === CONFLICTS_TO_REPORT) {
          options.log?.(
            `projection ${projection.name}: checkpoint moved under it ${conflicts} times in a row; backing off`,
          );
        }
        continue;
      }
      // A switched or retired version continues on the active one; anything else ends the run.
      if (!(error instanceof ProjectionVersionRetiredError) && !run.signal.aborted) throw error;
    } finally {
      clearInterval(watch);
      signal.removeEventListener('abort', stop);
    }
  }
}

/**
 * A checkpoint past the store's last event: the store was replaced or restored
 * from a backup (or is in memory while the read models are not). The read
 * model holds another history, and the events up to the checkpoint would be
 * passed over; only a rebuild makes it right, so it is said, not guessed at.
 */
async function warnIfPastHead(options: RunProjectionOptions, checkpoint: bigint): Promise<void> {
  const name = `projection ${options.projection.name}`;
  const past = await checkpointPastEnd(options.eventStore, name, checkpoint);
  if (!past) return;
  options.log?.(
    `${past.said}; events up to it are passed over until \`npm run ops -- rebuild all\` builds the read models again`,
  );
}
