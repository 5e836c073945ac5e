import Database from 'better-sqlite3';
import type { NewEvent, RecordedEvent } from '../../../libs/event-store';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import type { ProjectionTarget } from '../../../libs/read-store/read-models.port';
import { SqliteReadModels } from '../../../libs/read-store/sqlite/sqlite-read-models';
import { projectBatch } from '../projector/project-batch';
import { PROJECTIONS } from '../projector/projections';

/** What the property specs compare a projection path with: a fresh rebuild from position 0. */

export const retryOnce = { attempts: 1, backoffMs: 0 };

/** Appends `streams` in the interleaving `picks` gives, each stream in order; reads back every event. */
export async function recordInterleaved(
  store: SqliteEventStore,
  streams: Array<{ stream: string; events: NewEvent[] }>,
  picks: number[],
): Promise<RecordedEvent[]> {
  const queues = streams.filter((q) => q.events.length > 0);
  const appends: Array<Promise<unknown>> = [];
  let k = 0;
  while (queues.length) {
    const pick = (picks[k++] ?? k) % queues.length;
    const q = queues[pick];
    // appended in call order: the store commits queued appends together, in order
    appends.push(store.append(q.stream, [q.events.shift()!], 'any'));
    if (q.events.length === 0) queues.splice(pick, 1);
  }
  await Promise.all(appends);
  return store.readAll({ after: 0n, maxCount: 10_000 });
}

/** Every projection built from `all` in one batch, as a rebuild from position 0 does. */
export async function rebuildFresh(rm: SqliteReadModels, all: RecordedEvent[]): Promise<void> {
  for (const projection of PROJECTIONS) {
    const target = {
      projection: projection.name,
      version: await rm.ensureProjection(projection.name),
    };
    await projectBatch(
      { store: rm, projection, target, retry: retryOnce },
      all,
      await rm.loadCheckpoint(target),
    );
  }
}

/** Every stored row of each projection for these invitations and pairs, with the positions it keeps. */
export async function storedRows(
  rm: SqliteReadModels,
  ids: string[],
  pairs: Array<{ vendorId: string; customerCompanyId: string }>,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const { name } of PROJECTIONS) {
    const t: ProjectionTarget = { projection: name, version: (await rm.activeVersion(name))! };
    out[name] = {
      checkpoint: (await rm.loadCheckpoint(t)).position,
      invitations: await rm.loadInvitations(t, ids),
      refs: await rm.loadInvitationRefs(t, ids),
      relationships: await rm.loadRelationships(t, pairs),
      parked: (await rm.listParked(t)).map(({ parkedAt: _at, eventId: _id, ...p }) => p),
    };
  }
  return out;
}

/** An event store and two read models, one to project live and one to rebuild fresh; all closed after. */
export async function withLiveAndFresh(
  run: (store: SqliteEventStore, live: SqliteReadModels, fresh: SqliteReadModels) => Promise<void>,
): Promise<void> {
  const store = new SqliteEventStore(':memory:');
  const liveDb = new Database(':memory:');
  const freshDb = new Database(':memory:');
  try {
    await run(store, new SqliteReadModels(liveDb), new SqliteReadModels(freshDb));
  } finally {
    await store.close();
    liveDb.close();
    freshDb.close();
  }
}
