import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  evolveInvitationRef,
  evolveRelationship,
} from '../apps/projector/customer-relationships/relationship.evolve';
import { invitationIdOf, toInvitationEvent } from '../apps/projector/invitation-events';
import { evolveInvitation } from '../apps/projector/invitation-list/invitation-list.evolve';
import { INVITATIONS_READ_MODEL, PROJECTIONS } from '../apps/projector/projector/projections';
import {
  REBUILD_BATCH,
  rebuildProjection,
  rebuildProjections,
} from '../apps/projector/projector/rebuild';
import { appendTo, events } from '../apps/projector/testing/invitation-events';
import type { NewEvent } from '../libs/event-store';
import { SqliteEventStore } from '../libs/event-store/sqlite/sqlite-event-store';
import {
  openReadModels,
  type SqliteReadModelConnection,
} from '../libs/platform/infrastructure/read-model-connection';
import type {
  InvitationCursor,
  InvitationQuery,
  InvitationRefRow,
  InvitationRow,
  InvitationStatus,
  RelationshipRow,
} from '../libs/read-store/read-models.port';
import {
  invitationRefValues,
  invitationValues,
  relationshipValues,
  upsertInvitation,
  upsertInvitationRef,
  upsertRelationship,
} from '../libs/read-store/sqlite/sqlite-read-models.rows';
import { READ_MODEL_CACHE_SIZE } from '../libs/read-store/sqlite/sqlite-read-model-db';
import {
  slotIndexesSchema,
  slotTables,
  slotTablesSchema,
} from '../libs/read-store/sqlite/sqlite-read-models.schema';
import { median, percentile, printFigures, rate, ROUNDS, type Figure } from './harness';

const REBUILD_EVENTS = Number(process.env.BENCH_REBUILD_EVENTS ?? 200_000);
const QUERY_TOTAL = Math.max(20_000, Number(process.env.BENCH_QUERY_TOTAL ?? 1_000_000));
const QUERIES = Math.max(2_000, Number(process.env.BENCH_QUERIES ?? 5_000));
const BATCH = REBUILD_BATCH; // rebuildProjection's default maxBatch
const SMALL_TOTAL = 10_000;
const WARMUP = 500;
const VENDOR_INVITATIONS = 1_000;
const TARGET_EVENTS_PER_SECOND = 100_000;

const note = (message: string) => process.stderr.write(`  [projector bench] ${message}\n`);
const n = (x: number) => x.toLocaleString('en-US');
const elapsed = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

async function sqliteReadModels(path: string): Promise<SqliteReadModelConnection> {
  const conn = await openReadModels(`sqlite:${path}`);
  if (conn.kind !== 'sqlite') throw new Error('expected the SQLite read models');
  return conn;
}

// ---------------------------------------------------------------------------
// 1. Rebuild throughput
// ---------------------------------------------------------------------------

/**
 * What happens to invitation `i` after it is sent (by i % 20): 30% stay
 * pending, 30% are accepted (one in six of them after a deferral), 10% are
 * resent, 10% cancelled, 10% expire, 10% expire, are resent and then accepted.
 * Mean 1.95 events per invitation.
 */
function followUps(i: number, id: string): NewEvent[] {
  const s = i + 60;
  const kind = i % 20;
  if (kind < 6) return [];
  if (kind < 11) return [events.accepted(id, randomUUID(), s)];
  if (kind === 11) {
    const company = randomUUID();
    return [events.deferred(id, company, s), events.accepted(id, company, s + 60)];
  }
  if (kind < 14) return [events.resent(id, s)];
  if (kind < 16) return [events.cancelled(id, s)];
  if (kind < 18) return [events.expired(id, s)];
  return [
    events.expired(id, s),
    events.resent(id, s + 60),
    events.accepted(id, randomUUID(), s + 120),
  ];
}

/**
 * Fills the event store with `total` invitation events: every Sent first (in
 * chunks appended concurrently, so group commit writes each chunk in one
 * transaction), then the first follow-up of each invitation, then the second…
 * so a follow-up usually finds its invitation in an earlier batch.
 */
export async function fillEventStore(store: SqliteEventStore, total: number): Promise<number> {
  const vendors = Array.from({ length: 500 }, () => randomUUID());
  const rounds: Array<Array<[string, NewEvent]>> = [[]];
  let count = 0;
  for (let i = 0; count < total; i++) {
    const id = randomUUID();
    const sent = events.sent(
      id,
      {
        vendorId: vendors[i % vendors.length],
        email: `customer-${i}@example.com`,
        firstName: 'Ann',
        lastName: `Lee ${i}`,
        ...(i % 2 ? { businessName: `Business ${i}`, customerNumber: `C-${i}` } : {}),
        expiresAt: events.at(i + 7 * 86_400),
      },
      i,
    );
    const later = followUps(i, id);
    rounds[0].push([id, sent]);
    later.forEach((e, r) => (rounds[r + 1] ??= []).push([id, e]));
    count += 1 + later.length;
  }
  for (const round of rounds) {
    for (let i = 0; i < round.length; i += 5_000) {
      await Promise.all(round.slice(i, i + 5_000).map(([id, e]) => appendTo(store, id, e)));
    }
  }
  return count;
}

interface RowBatch {
  invitations: InvitationRow[];
  refs: InvitationRefRow[];
  relationships: RelationshipRow[];
}

/**
 * The rows each projection writes, batch by batch, computed with the same pure
 * evolve functions outside any timing: the raw baseline writes exactly these.
 */
async function rowsPerBatch(store: SqliteEventStore): Promise<RowBatch[]> {
  const invitations = new Map<string, InvitationRow>();
  const refs = new Map<string, InvitationRefRow>();
  const relationships = new Map<string, RelationshipRow>();
  const batches: RowBatch[] = [];
  for (let after = 0n; ;) {
    const recorded = await store.readAll({ after, maxCount: BATCH });
    if (recorded.length === 0) break;
    after = recorded[recorded.length - 1].position;
    const dirty = { inv: new Set<string>(), ref: new Set<string>(), rel: new Set<string>() };
    for (const r of recorded) {
      if (invitationIdOf(r) === undefined) continue;
      const e = toInvitationEvent(r);
      const row = invitations.get(e.invitationId);
      const next = evolveInvitation(row, e);
      if (next !== row) {
        invitations.set(e.invitationId, next);
        dirty.inv.add(e.invitationId);
      }
      if (e.type === 'InvitationSent' && !refs.has(e.invitationId)) {
        refs.set(e.invitationId, evolveInvitationRef(undefined, e));
        dirty.ref.add(e.invitationId);
      } else if (e.type === 'InvitationAccepted') {
        const ref = refs.get(e.invitationId)!;
        const key = `${ref.vendorId}\n${e.customerCompanyId}`;
        const current = relationships.get(key);
        const updated = evolveRelationship(current, {
          vendorId: ref.vendorId,
          customerCompanyId: e.customerCompanyId,
          invitationId: e.invitationId,
          customerNumber: ref.customerNumber,
          acceptedAt: e.acceptedAt,
          position: e.position,
        });
        if (updated !== current) {
          relationships.set(key, updated);
          dirty.rel.add(key);
        }
      }
    }
    batches.push({
      invitations: [...dirty.inv].map((id) => invitations.get(id)!),
      refs: [...dirty.ref].map((id) => refs.get(id)!),
      relationships: [...dirty.rel].map((key) => relationships.get(key)!),
    });
  }
  return batches;
}

/**
 * Raw better-sqlite3 with the adapter's layout and statements: the same
 * connection settings as openReadModels, the same position-guarded upserts of
 * the same rows, one transaction per batch with a checkpoint update, then the
 * list indexes built once at the end.
 */
function rawWriter(path: string) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma(`cache_size = ${READ_MODEL_CACHE_SIZE}`);
  const slot = { invitations: 1, relationships: 2 };
  db.exec(slotTablesSchema(slot.invitations) + slotTablesSchema(slot.relationships));
  db.exec('CREATE TABLE checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)');
  const checkpoint = db.prepare(
    `INSERT INTO checkpoints (name, position) VALUES (?, ?)
     ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
  );
  const invitationTable = slotTables(slot.invitations);
  const relationshipTables = slotTables(slot.relationships);
  const invitation = db.prepare(upsertInvitation(invitationTable.invitations));
  const ref = db.prepare(upsertInvitationRef(relationshipTables.invitationRefs));
  const relationship = db.prepare(upsertRelationship(relationshipTables.relationships));
  let position = 0;
  const invitationBatch = db.transaction((b: RowBatch) => {
    for (const r of b.invitations) invitation.run(invitationValues(r));
    checkpoint.run('invitations', (position += BATCH));
  });
  const relationshipBatch = db.transaction((b: RowBatch) => {
    for (const r of b.refs) ref.run(invitationRefValues(r));
    for (const r of b.relationships) relationship.run(relationshipValues(r));
    checkpoint.run('customer-relationships', (position += BATCH));
  });
  const finish = (which: keyof typeof slot) => db.exec(slotIndexesSchema(slot[which]));
  return { db, slot, invitationBatch, relationshipBatch, finish };
}

/** Row counts by table and status, to check the baseline wrote what the rebuild wrote. */
function census(db: Database.Database, slot: { invitations: number; relationships: number }) {
  const inv = slotTables(slot.invitations);
  const rel = slotTables(slot.relationships);
  return JSON.stringify([
    db.prepare(`SELECT status, count(*) AS n FROM ${inv.invitations} GROUP BY status`).all(),
    db.prepare(`SELECT count(*) AS n FROM ${rel.invitationRefs}`).get(),
    db.prepare(`SELECT status, count(*) AS n FROM ${rel.relationships} GROUP BY status`).all(),
  ]);
}

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

/** The raw baseline in one round, into a file of its own; checks it wrote what the rebuild wrote. */
async function rawRound(
  path: string,
  batches: RowBatch[],
  total: number,
  written: string,
): Promise<Record<string, number>> {
  const raw = rawWriter(path);
  try {
    const [invitations, relationships] = PROJECTIONS.map((p) => p.name);
    const perSecond: Record<string, number> = {};
    perSecond[invitations] = await rate(total, () => {
      for (const b of batches) raw.invitationBatch(b);
      raw.finish('invitations');
    });
    perSecond[relationships] = await rate(total, () => {
      for (const b of batches) raw.relationshipBatch(b);
      raw.finish('relationships');
    });
    const theirs = census(raw.db, raw.slot);
    if (theirs !== written) throw new Error(`baseline rows differ: ${theirs} vs ${written}`);
    return perSecond;
  } finally {
    raw.db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  }
}

const BOTH = 'both projections in one pass';

/**
 * Rebuild throughput beside raw writes, in alternating rounds (the machine's
 * speed drifts; each round's ratio compares runs that saw the same machine).
 */
async function benchRebuild(dir: string): Promise<Figure[]> {
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

// ---------------------------------------------------------------------------
// 2. Query latency at 10,000 and at QUERY_TOTAL invitations
// ---------------------------------------------------------------------------

/** 40% pending, 30% accepted, 10% expired, 20% cancelled. */
const STATUSES = (['pending', 'accepted', 'expired', 'cancelled'] as const).flatMap((s, k) =>
  Array<InvitationStatus>([4, 3, 1, 2][k]).fill(s),
);
const T0 = Date.UTC(2026, 0, 1);

/** Invitation `i`, sent `i` seconds after T0 (so every vendor's rows interleave in time). */
function invitationRow(i: number, invitationId: string, vendorId: string): InvitationRow {
  const status = STATUSES[Math.floor(Math.random() * STATUSES.length)];
  const iso = (ms: number) => new Date(T0 + i * 1_000 + ms).toISOString();
  return {
    invitationId,
    vendorId,
    email: `customer-${i}@example.com`,
    firstName: 'Ann',
    lastName: `Lee ${i}`,
    businessName: i % 2 ? `Business ${i}` : null,
    customerNumber: i % 2 ? `C-${i}` : null,
    status,
    sentAt: iso(0),
    expiresAt: iso(7 * 86_400_000),
    acceptedAt: status === 'accepted' ? iso(86_400_000) : null,
    cancelledAt: status === 'cancelled' ? iso(86_400_000) : null,
    expiredAt: status === 'expired' ? iso(86_400_000) : null,
    customerCompanyId: status === 'accepted' ? randomUUID() : null,
    position: BigInt(i + 1),
  };
}

/**
 * Bulk load of invitations `from`…`to - 1` straight into the adapter's table
 * (its slot, its columns) on a second connection: the three list indexes are
 * dropped, rows go in primary-key order, and the indexes are recreated from
 * the adapter's own schema; then the WAL is checkpointed away.
 */
function bulkLoad(
  path: string,
  slot: number,
  from: number,
  to: number,
  vendorOf: (i: number) => string,
) {
  const db = new Database(path);
  try {
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const ids = Array.from({ length: to - from }, () => randomUUID()).sort();
    const table = slotTables(slot).invitations;
    for (const index of ['by_vendor', 'by_vendor_status', 'by_vendor_email'])
      db.exec(`DROP INDEX ${table}_${index}`);
    const insert = db.prepare(
      `INSERT INTO ${table} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const chunk = db.transaction((start: number, end: number) => {
      for (let k = start; k < end; k++) {
        const r = invitationRow(from + k, ids[k], vendorOf(from + k));
        insert.run(invitationValues(r));
      }
    });
    for (let k = 0; k < ids.length; k += 50_000) chunk(k, Math.min(ids.length, k + 50_000));
    db.exec(slotIndexesSchema(slot));
    // With synchronous=FULL the checkpoint waits for the disk: otherwise the kernel would
    // still be writing the load back while the queries are timed, and that shows in their p99.
    db.pragma('synchronous = FULL');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

async function benchQueries(dir: string): Promise<Figure[]> {
  const path = join(dir, 'query.sqlite');
  const conn = await sqliteReadModels(path);
  try {
    const { readModels } = conn;
    const version = await readModels.ensureProjection(INVITATIONS_READ_MODEL);
    const target = { projection: INVITATIONS_READ_MODEL, version };
    const { slot } = conn.db
      .prepare('SELECT slot FROM rm_projection_versions WHERE projection = ? AND version = ?')
      .get(target.projection, version) as { slot: number };
    const vendorId = randomUUID();
    const smallVendors = Array.from({ length: 9 }, () => randomUUID());
    const vendors = Array.from({ length: 1_000 }, () => randomUUID());
    // The first 10,000: every 10th is the measured vendor's (1,000 in all), the rest 9 vendors';
    // beyond, 1,000 other vendors.
    const vendorOf = (i: number) =>
      i >= SMALL_TOTAL ? vendors[i % vendors.length] : i % 10 ? smallVendors[i % 9] : vendorId;

    let started = process.hrtime.bigint();
    for (let i = 0; i < SMALL_TOTAL; i += 1_000) {
      const rows = Array.from({ length: 1_000 }, (_, j) =>
        invitationRow(i + j, randomUUID(), vendorOf(i + j)),
      );
      await readModels.commit({ target, invitations: rows });
    }
    note(`read model: ${n(SMALL_TOTAL)} invitations committed in ${elapsed(started).toFixed(1)} s`);

    const list = (extra: Partial<InvitationQuery> = {}) =>
      readModels.listInvitations(INVITATIONS_READ_MODEL, { vendorId, limit: 20, ...extra });
    const measure = async () => {
      let after: InvitationCursor | undefined;
      for (let page = 0; page < 40; page++) after = (await list({ after })).next;
      const queries = {
        first: () => list(),
        pending: () => list({ status: 'pending' }),
        deep: () => list({ after }),
      };
      for (const [name, query] of Object.entries(queries)) {
        const page = await query();
        const ok =
          page.items.length === 20 &&
          page.next !== undefined &&
          page.items.every(
            (i) => i.vendorId === vendorId && (name !== 'pending' || i.status === 'pending'),
          );
        if (!ok) throw new Error(`unexpected ${name} page`);
      }
      // Round-robin, so the three kinds share any noise alike.
      const samples = { first: [] as number[], pending: [] as number[], deep: [] as number[] };
      for (let i = -WARMUP; i < QUERIES; i++) {
        for (const [name, query] of Object.entries(queries)) {
          const start = process.hrtime.bigint();
          await query();
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          if (i >= 0) samples[name as keyof typeof samples].push(ms);
        }
      }
      const p = (q: keyof typeof samples, at: number) => percentile(samples[q], at);
      note(
        `p50 first ${p('first', 50).toFixed(3)} ms, pending ${p('pending', 50).toFixed(3)} ms, ` +
          `deep ${p('deep', 50).toFixed(3)} ms (${n(QUERIES)} queries of each)`,
      );
      return { first: p('first', 99), pending: p('pending', 99), deep: p('deep', 99) };
    };
    const small = await measure();

    started = process.hrtime.bigint();
    bulkLoad(path, slot, SMALL_TOTAL, QUERY_TOTAL, vendorOf);
    const { count } = conn.db
      .prepare(`SELECT count(*) AS count FROM ${slotTables(slot).invitations}`)
      .get() as { count: number };
    if (count !== QUERY_TOTAL) throw new Error(`expected ${QUERY_TOTAL} rows, found ${count}`);
    note(`read model: bulk-loaded to ${n(count)} invitations in ${elapsed(started).toFixed(1)} s`);
    const large = await measure();

    const figure = (what: string, key: keyof typeof small): Figure => ({
      name: `list one vendor's invitations (${n(VENDOR_INVITATIONS)} of them), ${what}: p99 at ${n(QUERY_TOTAL)} invitations in all`,
      unit: 'ms',
      ours: large[key],
      baseline: small[key],
      baselineName: `same query at ${n(SMALL_TOTAL)}`,
      lowerIsBetter: true,
    });
    return [
      figure('first page of 20, newest first', 'first'),
      figure('status=pending, first page', 'pending'),
      figure('page 41 via cursor', 'deep'),
    ];
  } finally {
    await conn.close();
  }
}

/** Rebuild throughput of both projections beside raw writes, and list latency as the read model grows. */
export async function benchProjector(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-projector-'));
  try {
    return [...(await benchRebuild(dir)), ...(await benchQueries(dir))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void benchProjector().then((f) =>
    printFigures('Projector (SQLite read models, WAL, synchronous=NORMAL)', f),
  );
}
