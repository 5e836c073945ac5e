import { randomUUID } from 'node:crypto';
import { readThrough, type EventStore } from '../../../libs/event-store';
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
import { errorMessage } from '../../../libs/platform/errors/error-message';

/**
 * A rebuild tries a failing event once: its rows are in memory or read back
 * (a store that fails stops the batch, never parks), so the throw repeats, and
 * the live worker's three tries cost 300 ms an event (100,000 failing: 8 h).
 */
const ONE_TRY: RetryPolicy = { attempts: 1, backoffMs: 0 };

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
  /** Stops the rebuild between two batches (it throws the abort's reason); a rerun resumes it. */
  signal?: AbortSignal;
  /** As each projection switches: in a pass over several, a later one may yet fail. */
  onSwitched?: (result: RebuildResult) => void;
  /** After each committed batch of the new version. */
  onProgress?: (progress: {
    projection: string;
    version: number;
    position: bigint;
    head: bigint;
  }) => void | Promise<void>;
  log?: (message: string) => void;
}

export interface RebuildResult {
  projection: string;
  version: number;
  previous: number;
  resumed: boolean;
  position: bigint;
  /** Whether the previous version's rows are gone; a failed drop leaves them, retired. */
  dropped: boolean;
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
  const [result] = await rebuildProjections({ ...o, projections: [o.projection] });
  return result;
}

/**
 * Rebuilds several projections in one pass over the events: each batch is
 * read once, with the event types any of them reads, and projected into each.
 */
export async function rebuildProjections(
  o: Omit<RebuildOptions, 'projection'> & { projections: readonly Projection[] },
): Promise<RebuildResult[]> {
  const owner = randomUUID();
  const ttl = o.leaseTtlMs ?? 10_000;
  const leases = o.projections.map(rebuildLease);
  const held: string[] = [];
  const acquire = (lease: string) => o.leases.tryAcquire(lease, owner, ttl);
  let leaseLost = false;
  const renew = setInterval(() => {
    for (const lease of held) {
      acquire(lease).then(
        (ok) => (leaseLost ||= !ok),
        () => undefined,
      );
    }
  }, ttl / 3);
  try {
    for (const [i, lease] of leases.entries()) {
      if (!(await acquire(lease))) {
        throw new Error(
          `a rebuild of ${o.projections[i].name} is already running, or one was killed less than ${ttl / 1000} s ago`,
        );
      }
      held.push(lease);
    }
    const builds: Build[] = [];
    for (const projection of o.projections) {
      const build = await beginBuild(o, projection, () => leaseLost);
      if (build.resumed) {
        // Said first: the rows built so far came from the code that ran then.
        o.log?.(
          `${projection.name}: resuming version ${build.target.version}, built to position ${build.read} by an earlier run (--restart builds it from the start)`,
        );
      }
      builds.push(build);
    }
    const results: RebuildResult[] = [];
    for (let round = 1, open = builds; open.length > 0; round++) {
      await catchUp(o, open, await o.eventStore.headPosition());
      const behind: Build[] = [];
      for (const b of open) {
        const { projection, version } = b.target;
        if (round === 1) await o.store.finishBuild(projection, version);
        // Renewed now, not only by the timer: an index build on the event loop can outlast the lease.
        const lease = rebuildLease(b.projection);
        if (leaseLost || !(await acquire(lease))) throw new Error(`lost a rebuild lease: ${lease}`);
        const previous = (await o.store.activeVersion(projection))!;
        try {
          await o.store.activateVersion(projection, version, previous);
        } catch (error) {
          const caughtUp =
            error instanceof ProjectionSwitchError && error.problem !== 'not_building';
          if (!caughtUp || round >= SWITCH_ROUNDS) throw error;
          behind.push(b);
          continue;
        }
        // The switch has happened: a drop that fails leaves old rows behind, not a failed rebuild.
        const dropped = await o.store.dropVersion(projection, previous).then(
          () => true,
          (error: unknown) => {
            o.log?.(
              `${projection}: version ${version} is active; dropping version ${previous} failed (${errorMessage(error)})`,
            );
            return false;
          },
        );
        const result = {
          projection,
          version,
          previous,
          resumed: b.resumed,
          position: b.read,
          dropped,
        };
        results.push(result);
        o.onSwitched?.(result);
      }
      open = behind;
    }
    return o.projections.map((p) => results.find((r) => r.projection === p.name)!);
  } finally {
    clearInterval(renew);
    for (const lease of held) await o.leases.release(lease, owner).catch(() => undefined);
  }
}

const rebuildLease = (p: Projection) => `projector:${p.name}:rebuild`;

interface Build {
  projection: Projection;
  target: ProjectionTarget;
  resumed: boolean;
  /** Everything up to here is projected (and committed, or in flight). */
  read: bigint;
  rows: UnitOfWork;
  /** Parked events of the version, while `rows.allKnown` (a fresh build parks them all itself). */
  parked: Map<string, Set<bigint>>;
  leaseLost: () => boolean;
  inFlight?: Promise<Checkpoint>;
  checkpoint: Checkpoint;
}

async function beginBuild(
  o: Pick<RebuildOptions, 'store' | 'restart'>,
  projection: Projection,
  leaseLost: () => boolean,
): Promise<Build> {
  await o.store.ensureProjection(projection.name);
  const { version, resumed } = await o.store.beginBuild(projection.name, { restart: o.restart });
  const target = { projection: projection.name, version };
  const checkpoint = await o.store.loadCheckpoint(target);
  return {
    projection,
    target,
    resumed,
    read: checkpoint.position,
    checkpoint,
    rows: new UnitOfWork(o.store, target, { allKnown: !resumed }),
    parked: new Map(),
    leaseLost,
  };
}

/**
 * Projects and commits up to `head`, each build with one commit in flight
 * while the next batch is projected (the SQLite store commits a building
 * version on its own thread). Rows read back from the store must see every
 * earlier commit, so once a build's rows no longer all fit in memory each of
 * its commits lands first.
 */
async function catchUp(o: Omit<RebuildOptions, 'projection'>, builds: Build[], head: bigint) {
  const maxCount = o.maxBatch ?? REBUILD_BATCH;
  const landed = async (b: Build) => {
    if (!b.inFlight) return;
    const committing = b.inFlight;
    b.inFlight = undefined;
    b.checkpoint = await committing;
    const { projection, version } = b.target;
    await o.onProgress?.({ projection, version, position: b.checkpoint.position, head });
  };
  try {
    for (;;) {
      const open = builds.filter((b) => b.read < head);
      if (open.length === 0) break;
      o.signal?.throwIfAborted();
      if (open.some((b) => b.leaseLost())) throw new Error('lost a rebuild lease');
      const after = open.reduce((min, b) => (b.read < min ? b.read : min), head);
      const types = [...new Set(open.flatMap((b) => b.projection.eventTypes))];
      // Only the types the projections read: the others are never loaded or parsed.
      const batch = await o.eventStore.readAll({ after, maxCount, types, until: head });
      const through = readThrough(batch, maxCount, head);
      for (const b of open) {
        // A build resumed further on than the others waits for the shared read to reach it;
        // committing `through` now would move its checkpoint back.
        if (through <= b.read) continue;
        const reads = new Set<string>(b.projection.eventTypes);
        const mine = batch.filter((e) => e.position > b.read && reads.has(e.type));
        const ctx = { ...o, retry: o.retry ?? ONE_TRY, projection: b.projection, target: b.target };
        if (!b.rows.allKnown) await landed(b);
        const projected = await projectEvents(
          ctx,
          mine,
          b.rows,
          b.rows.allKnown ? b.parked : undefined,
          through,
        );
        await landed(b);
        b.inFlight = commitBatch(ctx, projected, b.checkpoint);
        b.inFlight.catch(() => undefined); // awaited by `landed`; this only keeps it from counting as unhandled
        b.read = through;
        if (b.rows.size > (o.maxCachedRows ?? REBUILD_CACHED_ROWS)) {
          b.rows = new UnitOfWork(o.store, b.target);
        }
      }
    }
    for (const b of builds) await landed(b);
  } catch (error) {
    // nothing may land after the rebuild has given up
    await Promise.all(builds.map((b) => b.inFlight?.catch(() => undefined)));
    throw error;
  }
}
