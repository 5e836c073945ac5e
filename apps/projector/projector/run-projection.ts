import type { EventStore } from '../../../libs/event-store';
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

/**
 * Catch-up-then-live subscription of one projection from its durable
 * checkpoint, writing the active version. When a rebuild switches versions it
 * continues on the new one from that version's checkpoint. Ends when `signal`
 * aborts; rejects on a CheckpointConflictError (another instance took over) or
 * a read-model failure, so the caller can restart it from the checkpoint.
 */
export async function runProjection(
  options: RunProjectionOptions,
  signal: AbortSignal,
): Promise<void> {
  const { eventStore, store, projection } = options;
  while (!signal.aborted) {
    const version = await store.ensureProjection(projection.name);
    const target = { projection: projection.name, version };
    let checkpoint = await store.loadCheckpoint(target);
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
      // A switched or retired version continues on the active one; anything else ends the run.
      if (!(error instanceof ProjectionVersionRetiredError) && !run.signal.aborted) throw error;
    } finally {
      clearInterval(watch);
      signal.removeEventListener('abort', stop);
    }
  }
}
