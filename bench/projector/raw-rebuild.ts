import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import {
  evolveInvitationRef,
  evolveRelationship,
} from '../../apps/projector/customer-relationships/relationship.evolve';
import { invitationIdOf, toInvitationEvent } from '../../apps/projector/invitation-events';
import { evolveInvitation } from '../../apps/projector/invitation-list/invitation-list.evolve';
import { PROJECTIONS } from '../../apps/projector/projector/projections';
import { REBUILD_BATCH as BATCH } from '../../apps/projector/projector/rebuild';
import type { SqliteEventStore } from '../../libs/event-store/sqlite/sqlite-event-store';
import type {
  InvitationRefRow,
  InvitationRow,
  RelationshipRow,
} from '../../libs/read-store/read-models.port';
import { READ_MODEL_CACHE_SIZE } from '../../libs/read-store/sqlite/sqlite-read-model-db';
import {
  invitationRefValues,
  invitationValues,
  relationshipValues,
  upsertInvitation,
  upsertInvitationRef,
  upsertRelationship,
} from '../../libs/read-store/sqlite/sqlite-read-models.rows';
import {
  slotIndexesSchema,
  slotTables,
  slotTablesSchema,
} from '../../libs/read-store/sqlite/sqlite-read-models.schema';
import { rate } from '../harness';

export interface RowBatch {
  invitations: InvitationRow[];
  refs: InvitationRefRow[];
  relationships: RelationshipRow[];
}

/**
 * The rows each projection writes, batch by batch, computed with the same pure
 * evolve functions outside any timing: the raw baseline writes exactly these.
 */
export async function rowsPerBatch(store: SqliteEventStore): Promise<RowBatch[]> {
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
export function census(
  db: Database.Database,
  slot: { invitations: number; relationships: number },
) {
  const inv = slotTables(slot.invitations);
  const rel = slotTables(slot.relationships);
  return JSON.stringify([
    db.prepare(`SELECT status, count(*) AS n FROM ${inv.invitations} GROUP BY status`).all(),
    db.prepare(`SELECT count(*) AS n FROM ${rel.invitationRefs}`).get(),
    db.prepare(`SELECT status, count(*) AS n FROM ${rel.relationships} GROUP BY status`).all(),
  ]);
}

/** The raw baseline in one round, into a file of its own; checks it wrote what the rebuild wrote. */
export async function rawRound(
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
