import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../../libs/event-store';
import type { LeaseStore } from '../../../libs/read-store/coordination.port';
import {
  ProjectionSwitchError,
  type ProjectionStore,
} from '../../../libs/read-store/read-models.port';
import type { Checkpoint } from '../../../libs/read-store/coordination.port';
import type { ProjectionTarget } from '../../../libs/read-store/read-models.port';
import { commitBatch, projectEvents, type RetryPolicy } from './project-batch';
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
export const REBUILD_BATCH = 10_000;
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
    const build: BuildState = {
      target,
      checkpoint: await store.loadCheckpoint(target),
      rows: new UnitOfWork(store, target, { allKnown: !resumed }),
      parked: new Map(),
      leaseLost: () => leaseLost,
    };
    for (let round = 1; ; round++) {
      await catchUp(o, build, await eventStore.headPosition());
      if (round === 1) await store.finishBuild(projection.name, version);
      const previous = (await store.activeVersion(projection.name))!;
      try {
        await store.activateVersion(projection.name, version, previous);
        await store.dropVersion(projection.name, previous);
        return { version, previous, resumed, position: build.checkpoint.position };
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

interface BuildState {
  target: ProjectionTarget;
  checkpoint: Checkpoint;
  rows: UnitOfWork;
  /** Parked events of the version, while `rows.allKnown` (a fresh build parks them all itself). */
  parked: Map<string, Set<bigint>>;
  leaseLost: () => boolean;
}

/**
 * Projects and commits up to `head` with one commit in flight while the next
 * batch is projected (the SQLite store commits a building version on its own
 * thread). Rows read back from the store must see every earlier commit, so
 * once the rows no longer all fit in memory each commit lands first.
 */
async function catchUp(o: RebuildOptions, b: BuildState, head: bigint): Promise<void> {
  const ctx = {
    store: o.store,
    projection: o.projection,
    target: b.target,
    retry: o.retry,
    log: o.log,
  };
  let inFlight: Promise<Checkpoint> | undefined;
  const landed = async () => {
    if (!inFlight) return;
    const committing = inFlight;
    inFlight = undefined;
    b.checkpoint = await committing;
    await o.onProgress?.({ version: b.target.version, position: b.checkpoint.position, head });
  };
  try {
    const maxCount = o.maxBatch ?? REBUILD_BATCH;
    for (let read = b.checkpoint.position; read < head;) {
      if (b.leaseLost()) throw new Error(`lost the rebuild lease of ${o.projection.name}`);
      // Only the types the projection reads: the others are never loaded or parsed.
      const batch = await o.eventStore.readAll({
        after: read,
        maxCount,
        types: o.projection.eventTypes,
        until: head,
      });
      read = batch.length < maxCount ? head : batch[batch.length - 1].position;
      if (!b.rows.allKnown) await landed();
      const projected = await projectEvents(
        ctx,
        batch,
        b.rows,
        b.rows.allKnown ? b.parked : undefined,
        read,
      );
      await landed();
      inFlight = commitBatch(ctx, projected, b.checkpoint);
      inFlight.catch(() => undefined); // awaited by `landed`; this only keeps it from counting as unhandled
      if (b.rows.size > (o.maxCachedRows ?? REBUILD_CACHED_ROWS)) {
        b.rows = new UnitOfWork(o.store, b.target);
      }
    }
    await landed();
  } catch (error) {
    await inFlight?.catch(() => undefined); // nothing may land after the rebuild has given up
    throw error;
  }
}
