import type { AnyBulkWriteOperation, ClientSession, Db, Document, IndexDescription } from 'mongodb';
import {
  checkpointName,
  type InvitationRefRow,
  type InvitationRow,
  type ParkedEvent,
  type ProjectionCommit,
  type ProjectionTarget,
  type RelationshipRow,
} from '../read-models.port';
import { toInt64 } from './int64';

/**
 * Read-model documents. Every row belongs to a *slot* (one version of one
 * projection, named like its checkpoint) and has a deterministic `_id`, so a
 * guarded upsert filters on `_id` alone and never races into a duplicate key.
 */
export const slotOf = (t: ProjectionTarget): string => checkpointName(t);

export const INVITATIONS = 'rm_invitations';
export const RELATIONSHIPS = 'rm_relationships';
export const INVITATION_REFS = 'rm_invitation_refs';
export const PARKED = 'rm_parked_events';
export const ROW_COLLECTIONS = [INVITATIONS, RELATIONSHIPS, INVITATION_REFS, PARKED] as const;

export type InvitationDoc = InvitationRow & { _id: { s: string; id: string }; slot: string };
export type RelationshipDoc = RelationshipRow & {
  _id: { s: string; v: string; c: string };
  slot: string;
};
export type InvitationRefDoc = InvitationRefRow & { _id: { s: string; id: string }; slot: string };
export type ParkedDoc = ParkedEvent & { _id: { s: string; p: bigint }; slot: string };

/** Leaves the storage fields out of what is read back. */
export const ROW_FIELDS = { _id: 0, slot: 0 } as const;
export const VIEW_FIELDS = { _id: 0, slot: 0, position: 0 } as const;
/** A relationship's sources (see RelationshipSources) stay out of views too. */
export const RELATIONSHIP_VIEW_FIELDS = {
  ...VIEW_FIELDS,
  createdPosition: 0,
  customerNumberPosition: 0,
} as const;

export const invitationId = (s: string, id: string) => ({ s, id });
export const relationshipId = (s: string, v: string, c: string) => ({ s, v, c });

export function invitationDoc(slot: string, r: InvitationRow): InvitationDoc {
  return {
    _id: invitationId(slot, r.invitationId),
    slot,
    invitationId: r.invitationId,
    vendorId: r.vendorId,
    email: r.email,
    firstName: r.firstName,
    lastName: r.lastName,
    businessName: r.businessName,
    customerNumber: r.customerNumber,
    status: r.status,
    sentAt: r.sentAt,
    expiresAt: r.expiresAt,
    acceptedAt: r.acceptedAt,
    cancelledAt: r.cancelledAt,
    expiredAt: r.expiredAt,
    customerCompanyId: r.customerCompanyId,
    position: toInt64(r.position),
  };
}

export function relationshipDoc(slot: string, r: RelationshipRow): RelationshipDoc {
  return {
    _id: relationshipId(slot, r.vendorId, r.customerCompanyId),
    slot,
    vendorId: r.vendorId,
    customerCompanyId: r.customerCompanyId,
    status: r.status,
    createdAt: r.createdAt,
    activatedAt: r.activatedAt,
    invitationId: r.invitationId,
    customerNumber: r.customerNumber,
    position: toInt64(r.position),
    ...(r.createdPosition !== undefined && { createdPosition: toInt64(r.createdPosition) }),
    ...(r.customerNumberPosition !== undefined && {
      customerNumberPosition: toInt64(r.customerNumberPosition),
    }),
  };
}

export function invitationRefDoc(slot: string, r: InvitationRefRow): InvitationRefDoc {
  return {
    _id: invitationId(slot, r.invitationId),
    slot,
    invitationId: r.invitationId,
    vendorId: r.vendorId,
    customerNumber: r.customerNumber,
    position: toInt64(r.position),
  };
}

export function parkedDoc(slot: string, p: ParkedEvent): ParkedDoc {
  const position = toInt64(p.position);
  return {
    _id: { s: slot, p: position },
    slot,
    position,
    streamName: p.streamName,
    eventId: p.eventId,
    eventType: p.eventType,
    error: p.error,
    attempts: p.attempts,
    parkedAt: p.parkedAt,
  };
}

/**
 * Replaces the stored row only when the new one's position is ≥ the stored
 * one (a missing row compares lower). A pipeline update, so it cannot fail on
 * a duplicate key (which would abort a transaction); `$literal` keeps values
 * that start with `$` from being read as field paths.
 */
export function guardedUpsert(doc: { _id: Document; position: bigint }): AnyBulkWriteOperation {
  const replace = { $cond: [{ $lte: ['$position', doc.position] }, { $literal: doc }, '$$ROOT'] };
  return {
    updateOne: { filter: { _id: doc._id }, update: [{ $replaceWith: replace }], upsert: true },
  };
}

/** A plain replace-or-insert, for parked events (the latest report wins). */
export function upsert(doc: { _id: Document }): AnyBulkWriteOperation {
  return { replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } };
}

/** One write per `_id`: the highest position wins, the later of equals (as sequential upserts would). */
export function latestById<T extends { _id: Document; position: bigint }>(docs: T[] = []): T[] {
  const byId = new Map<string, T>();
  for (const doc of docs) {
    const key = JSON.stringify(doc._id, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v));
    const seen = byId.get(key);
    if (!seen || doc.position >= seen.position) byId.set(key, doc);
  }
  return [...byId.values()];
}

/** Writes a commit's rows in unordered batches: each `_id` appears once per batch, so order cannot matter. */
export async function writeRows(
  db: Db,
  slot: string,
  c: ProjectionCommit,
  session?: ClientSession,
): Promise<void> {
  const write = async (name: string, ops: AnyBulkWriteOperation[]) => {
    if (ops.length > 0) await db.collection(name).bulkWrite(ops, { ordered: false, session });
  };
  const docs = <R, D extends { _id: Document; position: bigint }>(
    rows: R[] | undefined,
    toDoc: (slot: string, row: R) => D,
  ) => latestById((rows ?? []).map((row) => toDoc(slot, row)));
  await write(INVITATIONS, docs(c.invitations, invitationDoc).map(guardedUpsert));
  await write(RELATIONSHIPS, docs(c.relationships, relationshipDoc).map(guardedUpsert));
  await write(INVITATION_REFS, docs(c.invitationRefs, invitationRefDoc).map(guardedUpsert));
  await write(PARKED, docs(c.park, parkedDoc).map(upsert));
  if (c.unpark?.length) {
    const positions = c.unpark.map(toInt64);
    await db.collection(PARKED).deleteMany({ slot, position: { $in: positions } }, { session });
  }
}

/** Deletes a slot's rows (a dropped or restarted version). */
export async function deleteSlot(db: Db, slot: string, session?: ClientSession): Promise<void> {
  for (const name of ROW_COLLECTIONS) await db.collection(name).deleteMany({ slot }, { session });
}

/** Each query's filter and sort have an index whose order matches, so a page is one range scan. */
export const READ_MODEL_INDEXES: Record<string, IndexDescription[]> = {
  [INVITATIONS]: [
    { key: { slot: 1, vendorId: 1, sentAt: -1, invitationId: -1 } },
    { key: { slot: 1, vendorId: 1, status: 1, sentAt: -1, invitationId: -1 } },
    { key: { slot: 1, vendorId: 1, email: 1, sentAt: -1, invitationId: -1 } },
  ],
  [RELATIONSHIPS]: [
    { key: { slot: 1, vendorId: 1, createdAt: -1, customerCompanyId: -1 } },
    { key: { slot: 1, vendorId: 1, status: 1, createdAt: -1, customerCompanyId: -1 } },
    { key: { slot: 1, customerCompanyId: 1, createdAt: -1, vendorId: -1 } },
    { key: { slot: 1, customerCompanyId: 1, status: 1, createdAt: -1, vendorId: -1 } },
  ],
  [INVITATION_REFS]: [{ key: { slot: 1 } }],
  [PARKED]: [{ key: { slot: 1, position: 1 } }, { key: { slot: 1, streamName: 1 } }],
};

export async function ensureReadModelIndexes(db: Db): Promise<void> {
  for (const [name, indexes] of Object.entries(READ_MODEL_INDEXES)) {
    await db.collection(name).createIndexes(indexes);
  }
}
