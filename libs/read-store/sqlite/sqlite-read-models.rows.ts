import type {
  InvitationRefRow,
  InvitationRow,
  InvitationStatus,
  ParkedEvent,
  ProjectionCommit,
  RelationshipRow,
  RelationshipStatus,
  RelationshipView,
} from '../read-models.port';

/** Column names and their row fields; rows are read with safe integers, so positions come back as bigint. */
export interface InvitationRecord {
  invitation_id: string;
  vendor_id: string;
  email: string;
  first_name: string;
  last_name: string;
  business_name: string | null;
  customer_number: string | null;
  status: string;
  sent_at: string;
  expires_at: string;
  accepted_at: string | null;
  cancelled_at: string | null;
  expired_at: string | null;
  customer_company_id: string | null;
  position: bigint;
}

export interface RelationshipRecord {
  vendor_id: string;
  customer_company_id: string;
  status: string;
  created_at: string;
  activated_at: string;
  invitation_id: string;
  customer_number: string | null;
  position: bigint;
  created_position: bigint | null;
  customer_number_position: bigint | null;
}

export interface InvitationRefRecord {
  invitation_id: string;
  vendor_id: string;
  customer_number: string | null;
  position: bigint;
}

export interface ParkedRecord {
  position: bigint;
  stream: string;
  event_id: string;
  event_type: string;
  error: string;
  attempts: bigint;
  parked_at: string;
}

export const invitationFromRecord = (r: InvitationRecord): InvitationRow => ({
  invitationId: r.invitation_id,
  vendorId: r.vendor_id,
  email: r.email,
  firstName: r.first_name,
  lastName: r.last_name,
  businessName: r.business_name,
  customerNumber: r.customer_number,
  status: r.status as InvitationStatus,
  sentAt: r.sent_at,
  expiresAt: r.expires_at,
  acceptedAt: r.accepted_at,
  cancelledAt: r.cancelled_at,
  expiredAt: r.expired_at,
  customerCompanyId: r.customer_company_id,
  position: r.position,
});

export const relationshipFromRecord = (r: RelationshipRecord): RelationshipRow => ({
  vendorId: r.vendor_id,
  customerCompanyId: r.customer_company_id,
  status: r.status as RelationshipStatus,
  createdAt: r.created_at,
  activatedAt: r.activated_at,
  invitationId: r.invitation_id,
  customerNumber: r.customer_number,
  position: r.position,
  ...(r.created_position !== null && { createdPosition: r.created_position }),
  ...(r.customer_number_position !== null && {
    customerNumberPosition: r.customer_number_position,
  }),
});

export const invitationRefFromRecord = (r: InvitationRefRecord): InvitationRefRow => ({
  invitationId: r.invitation_id,
  vendorId: r.vendor_id,
  customerNumber: r.customer_number,
  position: r.position,
});

export const parkedFromRecord = (r: ParkedRecord): ParkedEvent => ({
  position: r.position,
  streamName: r.stream,
  eventId: r.event_id,
  eventType: r.event_type,
  error: r.error,
  attempts: Number(r.attempts),
  parkedAt: r.parked_at,
});

/** Drops the `position` guard column, for what queries return. */
export function withoutPosition<T extends { position: bigint }>(row: T): Omit<T, 'position'> {
  const { position: _position, ...view } = row;
  return view;
}

/** A relationship as queries return it: without its guard and sources. */
export function relationshipView(row: RelationshipRow): RelationshipView {
  const { createdPosition: _created, customerNumberPosition: _number, ...rest } = row;
  return withoutPosition(rest);
}

/**
 * Upserts guarded by position (an older write never overwrites a newer one),
 * with positional parameters in column order: a commit binds many rows.
 */
export const upsertInvitation = (table: string) => `
  INSERT INTO ${table} (invitation_id, vendor_id, email, first_name, last_name, business_name,
    customer_number, status, sent_at, expires_at, accepted_at, cancelled_at, expired_at,
    customer_company_id, position)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (invitation_id) DO UPDATE SET
    vendor_id = excluded.vendor_id, email = excluded.email, first_name = excluded.first_name,
    last_name = excluded.last_name, business_name = excluded.business_name,
    customer_number = excluded.customer_number, status = excluded.status,
    sent_at = excluded.sent_at, expires_at = excluded.expires_at,
    accepted_at = excluded.accepted_at, cancelled_at = excluded.cancelled_at,
    expired_at = excluded.expired_at, customer_company_id = excluded.customer_company_id,
    position = excluded.position
  WHERE excluded.position >= ${table}.position`;

export const invitationValues = (r: InvitationRow) => [
  r.invitationId,
  r.vendorId,
  r.email,
  r.firstName,
  r.lastName,
  r.businessName,
  r.customerNumber,
  r.status,
  r.sentAt,
  r.expiresAt,
  r.acceptedAt,
  r.cancelledAt,
  r.expiredAt,
  r.customerCompanyId,
  r.position,
];

export const upsertRelationship = (table: string) => `
  INSERT INTO ${table} (vendor_id, customer_company_id, status, created_at, activated_at,
    invitation_id, customer_number, position, created_position, customer_number_position)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (vendor_id, customer_company_id) DO UPDATE SET
    status = excluded.status, created_at = excluded.created_at,
    activated_at = excluded.activated_at, invitation_id = excluded.invitation_id,
    customer_number = excluded.customer_number, position = excluded.position,
    created_position = excluded.created_position,
    customer_number_position = excluded.customer_number_position
  WHERE excluded.position >= ${table}.position`;

export const relationshipValues = (r: RelationshipRow) => [
  r.vendorId,
  r.customerCompanyId,
  r.status,
  r.createdAt,
  r.activatedAt,
  r.invitationId,
  r.customerNumber,
  r.position,
  r.createdPosition ?? null,
  r.customerNumberPosition ?? null,
];

export const upsertInvitationRef = (table: string) => `
  INSERT INTO ${table} (invitation_id, vendor_id, customer_number, position)
  VALUES (?, ?, ?, ?)
  ON CONFLICT (invitation_id) DO UPDATE SET
    vendor_id = excluded.vendor_id, customer_number = excluded.customer_number,
    position = excluded.position
  WHERE excluded.position >= ${table}.position`;

export const invitationRefValues = (r: InvitationRefRow) => [
  r.invitationId,
  r.vendorId,
  r.customerNumber,
  r.position,
];

export const upsertParked = (table: string) => `
  INSERT INTO ${table} (position, stream, event_id, event_type, error, attempts, parked_at)
  VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (position) DO UPDATE SET
    stream = excluded.stream, event_id = excluded.event_id, event_type = excluded.event_type,
    error = excluded.error, attempts = excluded.attempts, parked_at = excluded.parked_at`;

export const parkedValues = (p: ParkedEvent) => [
  p.position,
  p.streamName,
  p.eventId,
  p.eventType,
  p.error,
  p.attempts,
  p.parkedAt,
];

/** Rows as the positional parameters of their upsert, in column order. */
type StatementParameters = unknown[][];

/**
 * A commit with its rows as statement parameters. This is what crosses to the
 * commit thread: arrays clone in well under half the time of objects, which
 * carry every property name along.
 */
export interface EncodedCommit extends Pick<ProjectionCommit, 'target' | 'unpark' | 'checkpoint'> {
  invitations: StatementParameters;
  relationships: StatementParameters;
  invitationRefs: StatementParameters;
  park: StatementParameters;
}

export function encodeCommit(c: ProjectionCommit): EncodedCommit {
  return {
    target: c.target,
    unpark: c.unpark,
    checkpoint: c.checkpoint,
    invitations: (c.invitations ?? []).map(invitationValues),
    relationships: (c.relationships ?? []).map(relationshipValues),
    invitationRefs: (c.invitationRefs ?? []).map(invitationRefValues),
    park: (c.park ?? []).map(parkedValues),
  };
}
