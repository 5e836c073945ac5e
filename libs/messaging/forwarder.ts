import type { CloudEvent } from '../contracts';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { startLeasedWorker } from '../platform/workers/leased-worker';
import {
  CheckpointConflictError,
  type CheckpointStore,
  type LeaseStore,
} from '../read-store/coordination.port';
import { metrics } from '../platform/observability/metrics';
import { UnroutableError, type Broker } from './broker.port';

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
  ttlMs?: number;
  owner?: string;
  onError?: (error: unknown) => void;
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
    run: (signal) => forward(options, signal),
  });
  return {
    owner: worker.owner,
    isActive: () => worker.isActive(),
    stop: () => worker.stop(),
    async lag() {
      const [head, checkpoint] = await Promise.all([
        options.store.headPosition(),
        options.checkpoints.load(options.name),
      ]);
      return head > checkpoint.position ? head - checkpoint.position : 0n;
    },
  };
}

async function forward(options: ForwarderOptions, signal: AbortSignal): Promise<void> {
  const { name, store, checkpoints, broker, map } = options;
  let checkpoint = await checkpoints.load(name);
  if (signal.aborted) return;

  const moveCheckpoint = async (position: bigint) => {
    const version = await checkpoints.save(name, position, checkpoint.version);
    checkpoint = { position, version };
  };
  const subscription = store.subscribeToAll({
    after: checkpoint.position,
    maxBatch: options.batchSize ?? 100,
    skipStreamPrefixes: ['$'],
    types: options.types,
    onEvents: async (events, through) => {
      const integration = events.map(map).filter((e): e is CloudEvent => e !== null);
      if (integration.length) await publishToleratingNoSubscribers(broker, integration, name);
      await moveCheckpoint(through);
    },
    // Past events it does not publish too, so the lag it reports is what is left to publish.
    onSkipped: moveCheckpoint,
  });
  // Stopping lets the batch in hand finish publishing and checkpointing.
  const stop = () => void subscription.stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    await subscription.done;
  } catch (error) {
    // Another instance moved the checkpoint: it owns the work now.
    if (!(error instanceof CheckpointConflictError)) throw error;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/**
 * `mandatory` makes the broker report a type nobody is bound to. For a
 * publisher that is not a failure: pub/sub has no subscriber yet, and
 * stalling the outbox on it would hold back every later event. The other
 * events of the batch are confirmed by then; the unrouted ones are counted.
 */
async function publishToleratingNoSubscribers(
  broker: Broker,
  events: CloudEvent[],
  name: string,
): Promise<void> {
  try {
    await broker.publish(events);
  } catch (error) {
    if (!(error instanceof UnroutableError)) throw error;
    metrics.messages.inc({ queue: `${name}:unrouted`, outcome: 'unrouted' }, 1);
  }
}
