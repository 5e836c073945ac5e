import type { CloudEvent } from '../contracts';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { checkpointPastEnd } from '../event-store/checkpoint-past-end';
import { settledOrStopped, StoppedWaitingError } from '../platform/async/settled-or-stopped';
import { startLeasedWorker } from '../platform/workers/leased-worker';
import {
  CheckpointConflictError,
  type CheckpointStore,
  type LeaseStore,
} from '../read-store/coordination.port';
import { metrics, reportLag } from '../platform/observability/metrics';
import { UnroutableError, type Broker } from './broker.port';
import { unroutedReporter } from './unrouted-reporter';

export interface ForwarderOptions {
  /** Lease and checkpoint name: one active forwarder per name. */
  name: string;
  store: EventStore;
  checkpoints: CheckpointStore;
  leases: LeaseStore;
  broker: Broker;
  /**
   * Domain event → integration event, or null to skip it. The CloudEvent id
   * must be derived from the domain event (its eventId), so a re-publish after
   * a crash carries the same id and consumers can drop the duplicate.
   */
  map: (event: RecordedEvent) => CloudEvent | null;
  /** The domain event types `map` publishes: the store filters out the rest unread. */
  types?: readonly string[];
  batchSize?: number;
  /**
   * How long the saved checkpoint may trail what is published (default 250
   * ms): a crash re-publishes at most that much, and a busy outbox saves a few
   * times a second instead of after every batch. Stopping saves at once.
   */
  checkpointEveryMs?: number;
  ttlMs?: number;
  owner?: string;
  onError?: (error: unknown) => void;
  /**
   * Told when messages of a type reached no queue (nobody is bound to it):
   * the first time, then at most every `unroutedReportMs` per type; and when
   * the checkpoint is past the store's last event.
   */
  warn?: (message: string) => void;
  /** Default 5 minutes. */
  unroutedReportMs?: number;
  /** Milliseconds since the epoch; tests pass a fake one. */
  clock?: () => number;
  /**
   * How long a stopping forwarder waits for the publish in hand to be confirmed
   * (default 2 s); past it the publish is given up, and the next run sends it again.
   */
  stopGraceMs?: number;
}

export interface Forwarder {
  readonly owner: string;
  isActive(): boolean;
  /** Store head minus the checkpoint, in store positions (0n when caught up). */
  lag(): Promise<bigint>;
  stop(): Promise<void>;
}

/**
 * The transactional outbox read from the event store: while this instance
 * holds the lease it publishes every event after the checkpoint, batch by
 * batch, and moves the checkpoint only once the broker has confirmed the
 * batch. A crash in between re-publishes the batch (at-least-once); the
 * versioned checkpoint fences out an instance that lost its lease.
 */
export function startForwarder(options: ForwarderOptions): Forwarder {
  const worker = startLeasedWorker({
    name: options.name,
    leases: options.leases,
    ttlMs: options.ttlMs,
    owner: options.owner,
    onError: options.onError ?? ((e) => console.warn(`forwarder ${options.name}:`, e)),
    log: options.warn,
    run: (signal) => forward(options, signal),
  });
  const lag = async () => {
    const [head, checkpoint] = await Promise.all([
      options.store.headPosition(),
      options.checkpoints.load(options.name),
    ]);
    return head > checkpoint.position ? head - checkpoint.position : 0n;
  };
  // An outbox that stands still (a broker refusing, a poison event) shows in /metrics.
  const unreport = reportLag(options.name, lag);
  return {
    owner: worker.owner,
    isActive: () => worker.isActive(),
    stop: () => {
      unreport();
      return worker.stop();
    },
    lag,
  };
}

/** How long a stopping forwarder waits for the publish in hand to be confirmed. */
const STOP_GRACE_MS = 2_000;

async function forward(options: ForwarderOptions, signal: AbortSignal): Promise<void> {
  const { name, store, checkpoints, broker, map } = options;
  const saved = await checkpoints.load(name);
  const after = await startingAfter(options, saved.position);
  if (signal.aborted) return;
  // A save that fails on its timer ends the subscription; flushing then raises its error.
  const checkpoint = trailingCheckpoint({
    save: (position, version) => checkpoints.save(name, position, version),
    version: saved.version,
    everyMs: options.checkpointEveryMs ?? 250,
    onTimerFailure: () => void subscription.stop(),
  });
  const unrouted = unroutedReporter(options.name, options);
  const subscription = store.subscribeToAll({
    after,
    maxBatch: options.batchSize ?? 100,
    skipStreamPrefixes: ['$'],
    types: options.types,
    onEvents: async (events, through) => {
      const integration = events.map(map).filter((e): e is CloudEvent => e !== null);
      if (integration.length) {
        const publishing = publishToleratingNoSubscribers(broker, integration, name);
        const types = await settledOrStopped(
          publishing,
          signal,
          STOP_GRACE_MS,
          `${name}'s publish`,
        );
        if (types.length) unrouted.report(types, events[0].position);
      }
      await checkpoint.move(through);
    },
    // Past events it does not publish too, so the lag it reports is what is left to publish.
    onSkipped: (through) => checkpoint.move(through),
  });
  // Stopping lets the batch in hand finish publishing, then saves the checkpoint: a publish still
  // unconfirmed after the grace (a broker down) is given up, and published again by the next run.
  const stop = () => void subscription.stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    await subscription.done.catch((error: unknown) => {
      if (!(error instanceof StoppedWaitingError)) throw error;
    });
    await checkpoint.flush();
  } catch (error) {
    // Another instance moved the checkpoint: it owns the work now.
    if (!(error instanceof CheckpointConflictError)) throw error;
  } finally {
    signal.removeEventListener('abort', stop);
    unrouted.flush();
    checkpoint.cancel(); // after a failure, the next run starts from what was saved
  }
}

/**
 * Where to publish from: the checkpoint, or the store's end when the
 * checkpoint is past it (the store was replaced or restored from a backup, or
 * is in memory while the checkpoints are not). Every event appended from then
 * on is published, where all up to the checkpoint were skipped and the lag
 * said 0. What the store holds already is left to `ops republish`: a restored
 * backup's events were published once, and the whole history again is no
 * default.
 */
async function startingAfter(options: ForwarderOptions, checkpoint: bigint): Promise<bigint> {
  const past = await checkpointPastEnd(options.store, options.name, checkpoint);
  if (!past) return checkpoint;
  options.warn?.(
    `${past.said}; publishing what is appended from now on (\`npm run ops -- republish --from 1 --to ${past.end}\` publishes what the store holds, if it never was)`,
  );
  return past.end;
}

/**
 * The forwarder's checkpoint, saved at most once per `everyMs`: a move inside
 * the interval is saved when the interval ends. Saves run one at a time, each
 * fenced by the version the one before returned.
 */
function trailingCheckpoint(o: {
  save: (position: bigint, version: number) => Promise<number>;
  version: number;
  everyMs: number;
  onTimerFailure: (error: unknown) => void;
}) {
  let version = o.version;
  let due: bigint | undefined;
  // Monotonic: a wall clock stepped back would hold saves off for the size of the step.
  let lastSave = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();
  const cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  /** Saves what is due once any save in flight is done; rejects for good once one failed. */
  const flush = (): Promise<void> => {
    cancel();
    saving = saving.then(async () => {
      if (due === undefined) return;
      const position = due;
      due = undefined;
      lastSave = performance.now();
      version = await o.save(position, version);
    });
    return saving;
  };
  const move = async (position: bigint): Promise<void> => {
    due = position;
    const wait = lastSave + o.everyMs - performance.now();
    if (wait <= 0) return flush();
    timer ??= setTimeout(() => flush().catch(o.onTimerFailure), wait).unref();
  };
  return { move, flush, cancel };
}

/**
 * `mandatory` makes the broker report a type nobody is bound to. For a
 * publisher that is not a failure: pub/sub has no subscriber yet, and
 * stalling the outbox on it would hold back every later event. The other
 * events of the batch are confirmed by then; the unrouted ones are counted
 * and their types returned, one per message.
 */
async function publishToleratingNoSubscribers(
  broker: Broker,
  events: CloudEvent[],
  name: string,
): Promise<string[]> {
  try {
    await broker.publish(events);
    return [];
  } catch (error) {
    if (!(error instanceof UnroutableError)) throw error;
    metrics.messages.inc({ queue: `${name}:unrouted`, outcome: 'unrouted' }, error.types.length);
    return error.types;
  }
}
