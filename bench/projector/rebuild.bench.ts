import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { PROJECTIONS } from '../../apps/projector/projector/projections';
import {
  REBUILD_BATCH as BATCH,
  rebuildProjection,
  rebuildProjections,
} from '../../apps/projector/projector/rebuild';
import { SqliteEventStore } from '../../libs/event-store/sqlite/sqlite-event-store';
import type { SqliteReadModelConnection } from '../../libs/platform/infrastructure/read-model-connection';
import { median, rate, ROUNDS, type Figure } from '../harness';
import { fillEventStore } from './event-history';
import { census, rawRound, rowsPerBatch, type RowBatch } from './raw-rebuild';
import { elapsed, n, note, sqliteReadModels } from './support';

const REBUILD_EVENTS = Number(process.env.BENCH_REBUILD_EVENTS ?? 200_000);
const TARGET_EVENTS_PER_SECOND = 100_000;

/** The slot serving each projection in the adapter's file. */
function activeSlots(db: Database.Database) {
  const slotOf = (projection: string) =>
    (
      db
        .prepare(
          `SELECT slot FROM rm_projection_versions WHERE projection = ? AND state = 'active'`,
        )
        .get(projection) as { slot: number }
    ).slot;
  const [invitations, relationships] = PROJECTIONS.map((p) => slotOf(p.name));
  return { invitations, relationships };
}

/** Our rebuilds in one round: each projection alone, then both in one pass. */
async function rebuildRound(
  store: SqliteEventStore,
  conn: SqliteReadModelConnection,
  total: number,
): Promise<Record<string, number>> {
  const head = await store.headPosition();
  const deps = { eventStore: store, store: conn.readModels, leases: conn.coordination };
  const perSecond: Record<string, number> = {};
  for (const projection of PROJECTIONS) {
    perSecond[projection.name] = await rate(total, async () => {
      const result = await rebuildProjection({ ...deps, projection });
      if (result.position !== head) throw new Error('rebuild short');
    });
  }
  perSecond[BOTH] = await rate(total, async () => {
    const results = await rebuildProjections({ ...deps, projections: PROJECTIONS });
    if (results.some((r) => r.position !== head)) throw new Error('rebuild short');
  });
  return perSecond;
}

const BOTH = 'both projections in one pass';

/**
 * Rebuild throughput beside raw writes, in alternating rounds (the machine's
 * speed drifts; each round's ratio compares runs that saw the same machine).
 */
export async function benchRebuild(dir: string): Promise<Figure[]> {
  let store = new SqliteEventStore(join(dir, 'events.sqlite'));
  const conn = await sqliteReadModels(join(dir, 'read-models.sqlite'));
  try {
    const started = process.hrtime.bigint();
    const total = await fillEventStore(store, REBUILD_EVENTS);
    note(`event store filled with ${n(total)} events in ${elapsed(started).toFixed(1)} s`);
    // A rebuild runs in the ops CLI's own process, which opens the store as it finds it.
    await store.close();
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    const batches = await rowsPerBatch(store);
    const rows = (pick: (b: RowBatch) => unknown[]) =>
      n(batches.reduce((sum, b) => sum + pick(b).length, 0));
    note(
      `rows upserted: ${rows((b) => b.invitations)} invitations; ` +
        `${rows((b) => b.refs)} invitation refs + ${rows((b) => b.relationships)} relationships`,
    );

    // One unmeasured round of each first: a long rebuild runs warm (code compiled,
    // threads started, heap grown), and 200,000 events are too few to hide the warm-up.
    const cold = await rebuildRound(store, conn, total);
    const written = census(conn.db, activeSlots(conn.db));
    const coldRaw = await rawRound(join(dir, 'raw-warm-up.sqlite'), batches, total, written);
    const perSecond = (r: Record<string, number>) =>
      Object.entries(r).map(([name, rate]) => `${name} ${n(Math.round(rate))}`);
    note(`warm-up round, not counted (events/s): ours ${perSecond(cold).join(', ')}`);
    note(`warm-up round, not counted (events/s): raw ${perSecond(coldRaw).join(', ')}`);

    const runs: Record<'ours' | 'raw', Array<Record<string, number>>> = { ours: [], raw: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.ours.push(await rebuildRound(store, conn, total));
      const written = census(conn.db, activeSlots(conn.db));
      runs.raw.push(await rawRound(join(dir, `raw-${round}.sqlite`), batches, total, written));
    }

    const label = `${n(total)} events, batches of ${BATCH}`;
    const figure = (name: string, of: string, against: 'raw' | 'target'): Figure => {
      const ours = runs.ours.map((r) => r[of]);
      const vsRaw = against === 'raw';
      const baselines = ours.map((_, i) => (vsRaw ? runs.raw[i][of] : TARGET_EVENTS_PER_SECOND));
      return {
        name,
        unit: 'events/s',
        ours: median(ours),
        baseline: median(baselines),
        baselineName: vsRaw
          ? 'raw better-sqlite3 upserts of the same rows, same txns, then indexes'
          : 'target',
        target: vsRaw ? 0.5 : 1,
        ratios: ours.map((o, i) => o / baselines[i]),
      };
    };
    return [
      ...PROJECTIONS.map((p) => figure(`rebuild ${p.name} (${label})`, p.name, 'raw')),
      ...PROJECTIONS.map((p) => figure(`rebuild ${p.name}: absolute target`, p.name, 'target')),
      figure(`rebuild ${BOTH}: absolute target`, BOTH, 'target'),
    ];
  } finally {
    await store.close();
    await conn.close();
  }
}
