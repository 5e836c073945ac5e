import type { EventStore } from '../../../libs/event-store';
import { startLeasedWorker, type LeasedWorker } from '../../../libs/platform/workers/leased-worker';
import type { LeaseStore } from '../../../libs/read-store/coordination.port';
import type { ProjectionStore } from '../../../libs/read-store/read-models.port';
import type { RetryPolicy } from './project-batch';
import { ProjectionProgress } from './progress';
import type { Projection } from './projection';
import { PROJECTIONS } from './projections';
import { runProjection } from './run-projection';
import { errorMessage } from '../../../libs/platform/errors/error-message';

export interface ProjectorOptions {
  eventStore: EventStore;
  store: ProjectionStore;
  leases: LeaseStore;
  projections?: readonly Projection[];
  progress?: ProjectionProgress;
  maxBatch?: number;
  retry?: RetryPolicy;
  leaseTtlMs?: number;
  versionCheckMs?: number;
  owner?: string;
  log?: (message: string) => void;
}

export interface Projector {
  readonly progress: ProjectionProgress;
  /** Whether this instance holds the projection's lease and runs it. */
  isActive(projection: string): boolean;
  stop(): Promise<void>;
}

export const projectorLeaseName = (projection: string) => `projector:${projection}`;

/**
 * One leased worker per projection: across all instances one runs each
 * projection, and another takes over within the lease TTL when it dies.
 */
export function startProjector(options: ProjectorOptions): Projector {
  const progress = options.progress ?? new ProjectionProgress();
  const log = options.log ?? ((m: string) => console.warn(m));
  const workers = new Map<string, LeasedWorker>();
  for (const projection of options.projections ?? PROJECTIONS) {
    const worker = startLeasedWorker({
      name: projectorLeaseName(projection.name),
      leases: options.leases,
      ttlMs: options.leaseTtlMs,
      owner: options.owner,
      onError: (error) => log(`projection ${projection.name} stopped: ${errorMessage(error)}`),
      log,
      run: (signal) =>
        runProjection(
          {
            eventStore: options.eventStore,
            store: options.store,
            projection,
            maxBatch: options.maxBatch,
            retry: options.retry,
            versionCheckMs: options.versionCheckMs,
            log,
            onCommitted: (version, position) =>
              progress.committed(projection.name, version, position),
          },
          signal,
        ),
    });
    workers.set(projection.name, worker);
  }
  return {
    progress,
    isActive: (name) => workers.get(name)?.isActive() ?? false,
    async stop() {
      await Promise.all([...workers.values()].map((w) => w.stop()));
    },
  };
}
