import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { INVITATIONS_READ_MODEL } from '../../apps/projector/projector/projections';
import type {
  InvitationCursor,
  InvitationQuery,
  InvitationRow,
  InvitationStatus,
  InvitationView,
  Page,
  ReadModelQueries,
} from '../../libs/read-store/read-models.port';
import { invitationValues } from '../../libs/read-store/sqlite/sqlite-read-models.rows';
import {
  slotIndexesSchema,
  slotTables,
} from '../../libs/read-store/sqlite/sqlite-read-models.schema';
import { percentile, type Figure } from '../harness';
import { elapsed, n, note, sqliteReadModels } from './support';

const QUERY_TOTAL = Math.max(20_000, Number(process.env.BENCH_QUERY_TOTAL ?? 1_000_000));
const QUERIES = Math.max(2_000, Number(process.env.BENCH_QUERIES ?? 5_000));
const SMALL_TOTAL = 10_000;
const WARMUP = 500;
const VENDOR_INVITATIONS = 1_000;

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

type Kind = 'first' | 'pending' | 'deep';
type Queries = Record<Kind, () => Promise<Page<InvitationView, InvitationCursor>>>;
const SIZES = ['small', 'large'] as const;

/** One read-model file holding the measured vendor's invitations among others'. */
async function readModelFile(path: string) {
  const conn = await sqliteReadModels(path);
  const version = await conn.readModels.ensureProjection(INVITATIONS_READ_MODEL);
  const { slot } = conn.db
    .prepare('SELECT slot FROM rm_projection_versions WHERE projection = ? AND version = ?')
    .get(INVITATIONS_READ_MODEL, version) as { slot: number };
  return { path, conn, slot, target: { projection: INVITATIONS_READ_MODEL, version } };
}

/** The three list queries for `vendorId`, each checked once; the deep one starts at page 41. */
async function listQueries(readModels: ReadModelQueries, vendorId: string): Promise<Queries> {
  const list = (extra: Partial<InvitationQuery> = {}) =>
    readModels.listInvitations(INVITATIONS_READ_MODEL, { vendorId, limit: 20, ...extra });
  let after: InvitationCursor | undefined;
  for (let page = 0; page < 40; page++) after = (await list({ after })).next;
  const queries: Queries = {
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
  return queries;
}

/**
 * The same vendor's list at 10,000 and at 1,000,000 invitations in all, from
 * two files loaded alike, queried in turn (every kind, then the other size),
 * so both sizes see the same noise.
 */
export async function benchQueries(dir: string): Promise<Figure[]> {
  const small = await readModelFile(join(dir, 'query-small.sqlite'));
  const large = await readModelFile(join(dir, 'query-large.sqlite'));
  try {
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
      for (const file of [small, large]) {
        await file.conn.readModels.commit({ target: file.target, invitations: rows });
      }
    }
    note(
      `read models: ${n(SMALL_TOTAL)} invitations committed in ${elapsed(started).toFixed(1)} s`,
    );
    started = process.hrtime.bigint();
    bulkLoad(large.path, large.slot, SMALL_TOTAL, QUERY_TOTAL, vendorOf);
    const { count } = large.conn.db
      .prepare(`SELECT count(*) AS count FROM ${slotTables(large.slot).invitations}`)
      .get() as { count: number };
    if (count !== QUERY_TOTAL) throw new Error(`expected ${QUERY_TOTAL} rows, found ${count}`);
    note(`read model: bulk-loaded to ${n(count)} invitations in ${elapsed(started).toFixed(1)} s`);

    const sizes = {
      small: await listQueries(small.conn.readModels, vendorId),
      large: await listQueries(large.conn.readModels, vendorId),
    };
    const kinds: Kind[] = ['first', 'pending', 'deep'];
    const none = (): Record<Kind, number[]> => ({ first: [], pending: [], deep: [] });
    const samples = { small: none(), large: none() };
    for (let i = -WARMUP; i < QUERIES; i++) {
      for (const size of SIZES) {
        for (const kind of kinds) {
          const start = process.hrtime.bigint();
          await sizes[size][kind]();
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          if (i >= 0) samples[size][kind].push(ms);
        }
      }
    }
    const p = (size: (typeof SIZES)[number], kind: Kind, at: number) =>
      percentile(samples[size][kind], at);
    for (const size of SIZES) {
      note(
        `${size === 'small' ? n(SMALL_TOTAL) : n(QUERY_TOTAL)} invitations: p50 ` +
          kinds.map((k) => `${k} ${p(size, k, 50).toFixed(3)} ms`).join(', ') +
          ` (${n(QUERIES)} queries of each)`,
      );
    }

    const figure = (what: string, kind: Kind): Figure => ({
      name: `list one vendor's invitations (${n(VENDOR_INVITATIONS)} of them), ${what}: p99 at ${n(QUERY_TOTAL)} invitations in all`,
      unit: 'ms',
      ours: p('large', kind, 99),
      baseline: p('small', kind, 99),
      baselineName: `same query at ${n(SMALL_TOTAL)}, in turn`,
      lowerIsBetter: true,
    });
    return [
      figure('first page of 20, newest first', 'first'),
      figure('status=pending, first page', 'pending'),
      figure('page 41 via cursor', 'deep'),
    ];
  } finally {
    await small.conn.close();
    await large.conn.close();
  }
}
