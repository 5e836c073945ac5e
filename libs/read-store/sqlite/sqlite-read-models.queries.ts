import type Database from 'better-sqlite3';
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
  invitationFromRecord,
  relationshipFromRecord,
  relationshipView,
  withoutPosition,
  type InvitationRecord,
  type RelationshipRecord,
} from './sqlite-read-models.rows';
import { slotTables, statementCache } from './sqlite-read-models.schema';

type Params = Record<string, string | number | bigint>;

/**
 * Keyset-paginated reads. Each filter combination has its own index whose
 * order matches the ORDER BY, so a page costs one index range scan. One more
 * row than asked for tells whether a next page exists.
 */
export class SqliteReadModelQueries {
  private readonly statement = statementCache({
    prepare: (sql: string) => this.db.prepare(sql).safeIntegers(true),
  });

  constructor(private readonly db: Database.Database) {}

  invitations(slot: number, q: InvitationQuery): Page<InvitationView, InvitationCursor> {
    const where = ['vendor_id = @vendorId'];
    const params: Params = { vendorId: q.vendorId, limit: q.limit + 1 };
    if (q.status) {
      where.push('status = @status');
      params.status = q.status;
    }
    if (q.email) {
      where.push('email = @email');
      params.email = q.email;
    }
    if (q.after) {
      where.push('(sent_at, invitation_id) < (@afterSentAt, @afterId)');
      params.afterSentAt = q.after.sentAt;
      params.afterId = q.after.invitationId;
    }
    const sql = `SELECT * FROM ${slotTables(slot).invitations} WHERE ${where.join(' AND ')}
      ORDER BY sent_at DESC, invitation_id DESC LIMIT @limit`;
    const rows = (this.statement(sql).all(params) as InvitationRecord[]).map(invitationFromRecord);
    const items = rows.slice(0, q.limit).map(withoutPosition);
    const last = items[items.length - 1];
    return rows.length > q.limit
      ? { items, next: { sentAt: last.sentAt, invitationId: last.invitationId } }
      : { items };
  }

  relationships(slot: number, q: RelationshipQuery): Page<RelationshipView, RelationshipCursor> {
    const byVendor = q.vendorId !== undefined;
    const [own, other] = byVendor
      ? ['vendor_id', 'customer_company_id']
      : ['customer_company_id', 'vendor_id'];
    const where = [`${own} = @owner`];
    const params: Params = {
      owner: (byVendor ? q.vendorId : q.customerCompanyId) as string,
      limit: q.limit + 1,
    };
    if (q.status) {
      where.push('status = @status');
      params.status = q.status;
    }
    if (q.after) {
      where.push(`(created_at, ${other}) < (@afterCreatedAt, @afterId)`);
      params.afterCreatedAt = q.after.createdAt;
      params.afterId = q.after.id;
    }
    const sql = `SELECT * FROM ${slotTables(slot).relationships} WHERE ${where.join(' AND ')}
      ORDER BY created_at DESC, ${other} DESC LIMIT @limit`;
    const rows = (this.statement(sql).all(params) as RelationshipRecord[]).map(
      relationshipFromRecord,
    );
    const items = rows.slice(0, q.limit).map(relationshipView);
    const last = items[items.length - 1];
    return rows.length > q.limit
      ? {
          items,
          next: {
            createdAt: last.createdAt,
            id: byVendor ? last.customerCompanyId : last.vendorId,
          },
        }
      : { items };
  }
}
