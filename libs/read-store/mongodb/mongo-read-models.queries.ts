import type { Db, Filter } from 'mongodb';
import type {
  InvitationCursor,
  InvitationQuery,
  InvitationView,
  Page,
  RelationshipCursor,
  RelationshipQuery,
  RelationshipView,
} from '../read-models.port';
import {
  INVITATIONS,
  RELATIONSHIP_VIEW_FIELDS,
  RELATIONSHIPS,
  VIEW_FIELDS,
  type InvitationDoc,
  type RelationshipDoc,
} from './mongo-read-models.documents';

/**
 * Keyset pages, newest first. "After (t, id)" is one index range (`t ≤ cursor`)
 * minus the few rows at exactly `t` that were already shown, so a page never
 * needs an `$or` of two scans. One more row than asked tells whether more follow.
 */
export class MongoReadModelQueries {
  constructor(private readonly db: Db) {}

  async invitations(
    slot: string,
    q: InvitationQuery,
  ): Promise<Page<InvitationView, InvitationCursor>> {
    const filter: Filter<InvitationDoc> = { slot, vendorId: q.vendorId };
    if (q.status) filter.status = q.status;
    if (q.email) filter.email = q.email;
    if (q.after) {
      filter.sentAt = { $lte: q.after.sentAt };
      filter.$nor = [{ sentAt: q.after.sentAt, invitationId: { $gte: q.after.invitationId } }];
    }
    const rows = await this.db
      .collection<InvitationDoc>(INVITATIONS)
      .find(filter)
      .project<InvitationView>(VIEW_FIELDS)
      .sort({ sentAt: -1, invitationId: -1 })
      .limit(q.limit + 1)
      .toArray();
    const items = rows.slice(0, q.limit);
    const last = items[items.length - 1];
    return rows.length > q.limit
      ? { items, next: { sentAt: last.sentAt, invitationId: last.invitationId } }
      : { items };
  }

  async relationships(
    slot: string,
    q: RelationshipQuery,
  ): Promise<Page<RelationshipView, RelationshipCursor>> {
    const byVendor = q.vendorId !== undefined;
    const other = byVendor ? 'customerCompanyId' : 'vendorId';
    const filter: Filter<RelationshipDoc> = byVendor
      ? { slot, vendorId: q.vendorId }
      : { slot, customerCompanyId: q.customerCompanyId };
    if (q.status) filter.status = q.status;
    if (q.after) {
      filter.createdAt = { $lte: q.after.createdAt };
      filter.$nor = [{ createdAt: q.after.createdAt, [other]: { $gte: q.after.id } }];
    }
    const rows = await this.db
      .collection<RelationshipDoc>(RELATIONSHIPS)
      .find(filter)
      .project<RelationshipView>(RELATIONSHIP_VIEW_FIELDS)
      .sort({ createdAt: -1, [other]: -1 })
      .limit(q.limit + 1)
      .toArray();
    const items = rows.slice(0, q.limit);
    const last = items[items.length - 1];
    return rows.length > q.limit
      ? { items, next: { createdAt: last.createdAt, id: last[other] } }
      : { items };
  }
}
