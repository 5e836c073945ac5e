import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../../libs/event-store';
import type { LeaseStore } from '../../../libs/read-store/coordination.port';
import {
  ProjectionSwitchError,
  type ProjectionStore,
} from '../../../libs/read-store/read-models.port';
import { projectBatch, type RetryPolicy } from './project-batch';
import type { Projection } from './projection';
import { UnitOfWork } from './unit-of-work';

export interface RebuildOptions {
  eventStore: EventStore;
  store: ProjectionStore;
  leases: LeaseStore;
  projection: Projection;
  /** Discard a half-built version instead of resuming it. */
  restart?: boolean;
  /** Events per committed batch; large, since a rebuild's cost is mostly per-commit (fsync, checkpoint). */
  maxBatch?: number;
  /** Rows kept in memory between batches; beyond it they are dropped and read back as needed. */
  maxCachedRows?: number;
  retry?: RetryPolicy;
  leaseTtlMs?: number;
  /** After each committed batch of the new version. */
  onProgress?: (progress: {
    version: number;
    position: bigint;
    head: bigint;
  }) => void | Promise<void>;
  log?: (message: string) => void;
}

export interface RebuildResult {
  version: number;
  previous: number;
  resumed: boolean;
  position: bigint;
}

const SWITCH_ROUNDS = 20;
export const REBUILD_BATCH = 50_000;
export const REBUILD_CACHED_ROWS = 500_000;

/**
 * Blue-green rebuild: fills version N+1 from position 0 while N keeps serving
 * (and the live worker keeps N current), then switches atomically once N+1
 * has caught up with N, and drops N. The live worker notices the switch and
 * continues N+1 from its checkpoint. An interrupted rebuild resumes.
 *
 * A fresh build keeps the rows it wrote in memory, so it never reads its own
 * tables back (a row it does not hold does not exist yet), and each commit
 * carries only rows changed since the last. The version is finished (its
 * list indexes built) once, when it first catches up.
 */
export async function rebuildProjection(o: RebuildOptions): Promise<RebuildResult> {
  const { eventStore, store, leases, projection } = o;
  const lease = `projector:${projection.name}:rebuild`;
  const owner = randomUUID();
  const ttl = o.leaseTtlMs ?? 10_000;
  if (!(await leases.tryAcquire(lease, owner, ttl))) {
    throw new Error(`a rebuild of ${projection.name} is already running`);
  }
  let leaseLost = false;
  const renew = setInterval(() => {
    leases.tryAcquire(lease, owner, ttl).then(
      (held) => (leaseLost ||= !held),
      () => undefined,
    );
  }, ttl / 3);
  try {
    await store.ensureProjection(projection.name);
    const { version, resumed } = await store.beginBuild(projection.name, { restart: o.restart });
    const target = { projection: projection.name, version };
    let checkpoint = await store.loadCheckpoint(target);
    let rows = new UnitOfWork(store, target, { allKnown: !resumed });
    for (let round = 1; ; round++) {
      const head = await eventStore.headPosition();
      while (checkpoint.position < head) {
        if (leaseLost) throw new Error(`lost the rebuild lease of ${projection.name}`);
        const batch = await eventStore.readAll({
          after: checkpoint.position,
          maxCount: o.maxBatch ?? REBUILD_BATCH,
        });
        if (batch.length === 0) break;
        checkpoint = await projectBatch(
          { store, projection, target, retry: o.retry, log: o.log },
          batch,
          checkpoint,
          rows,
        );
        if (rows.size > (o.maxCachedRows ?? REBUILD_CACHED_ROWS)) {
          rows = new UnitOfWork(store, target);
        }
        await o.onProgress?.({ version, position: checkpoint.position, head });
      }
      if (round === 1) await store.finishBuild(projection.name, version);
      const previous = (await store.activeVersion(projection.name))!;
      try {
        await store.activateVersion(projection.name, version, previous);
        await store.dropVersion(projection.name, previous);
        return { version, previous, resumed, position: checkpoint.position };
      } catch (error) {
        const behind = error instanceof ProjectionSwitchError && error.problem !== 'not_building';
        if (!behind || round >= SWITCH_ROUNDS) throw error;
      }
    }
  } finally {
    clearInterval(renew);
    await leases.release(lease, owner).catch(() => undefined);
  }
}
