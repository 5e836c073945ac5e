import type {
  InvitationRefRow,
  InvitationRow,
  InvitationStatus,
  ParkedEvent,
  RelationshipRow,
  RelationshipStatus,
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

export const UPSERT_INVITATION = `
  INSERT INTO rm_invitations (slot, invitation_id, vendor_id, email, first_name, last_name,
    business_name, customer_number, status, sent_at, expires_at, accepted_at, cancelled_at,
    expired_at, customer_company_id, position)
  VALUES (@slot, @invitationId, @vendorId, @email, @firstName, @lastName, @businessName,
    @customerNumber, @status, @sentAt, @expiresAt, @acceptedAt, @cancelledAt, @expiredAt,
    @customerCompanyId, @position)
  ON CONFLICT (slot, invitation_id) DO UPDATE SET
    vendor_id = excluded.vendor_id, email = excluded.email, first_name = excluded.first_name,
    last_name = excluded.last_name, business_name = excluded.business_name,
    customer_number = excluded.customer_number, status = excluded.status,
    sent_at = excluded.sent_at, expires_at = excluded.expires_at,
    accepted_at = excluded.accepted_at, cancelled_at = excluded.cancelled_at,
    expired_at = excluded.expired_at, customer_company_id = excluded.customer_company_id,
    position = excluded.position
  WHERE excluded.position >= rm_invitations.position`;

export const UPSERT_RELATIONSHIP = `
  INSERT INTO rm_relationships (slot, vendor_id, customer_company_id, status, created_at,
    activated_at, invitation_id, customer_number, position)
  VALUES (@slot, @vendorId, @customerCompanyId, @status, @createdAt, @activatedAt,
    @invitationId, @customerNumber, @position)
  ON CONFLICT (slot, vendor_id, customer_company_id) DO UPDATE SET
    status = excluded.status, created_at = excluded.created_at,
    activated_at = excluded.activated_at, invitation_id = excluded.invitation_id,
    customer_number = excluded.customer_number, position = excluded.position
  WHERE excluded.position >= rm_relationships.position`;

export const UPSERT_INVITATION_REF = `
  INSERT INTO rm_invitation_refs (slot, invitation_id, vendor_id, customer_number, position)
  VALUES (@slot, @invitationId, @vendorId, @customerNumber, @position)
  ON CONFLICT (slot, invitation_id) DO UPDATE SET
    vendor_id = excluded.vendor_id, customer_number = excluded.customer_number,
    position = excluded.position
  WHERE excluded.position >= rm_invitation_refs.position`;

export const UPSERT_PARKED = `
  INSERT INTO rm_parked_events (slot, position, stream, event_id, event_type, error, attempts, parked_at)
  VALUES (@slot, @position, @streamName, @eventId, @eventType, @error, @attempts, @parkedAt)
  ON CONFLICT (slot, position) DO UPDATE SET
    stream = excluded.stream, event_id = excluded.event_id, event_type = excluded.event_type,
    error = excluded.error, attempts = excluded.attempts, parked_at = excluded.parked_at`;
