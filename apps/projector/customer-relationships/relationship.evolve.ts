import type { InvitationRefRow, RelationshipRow } from '../../../libs/read-store/read-models.port';
import type { InvitationEvent } from '../invitation-events';

type Sent = Extract<InvitationEvent, { type: 'InvitationSent' }>;

/** What the relationship projection keeps of an invitation, so an acceptance finds its vendor. */
export function evolveInvitationRef(
  ref: InvitationRefRow | undefined,
  event: Sent,
): InvitationRefRow {
  if (ref) return ref;
  return {
    invitationId: event.invitationId,
    vendorId: event.vendorId,
    customerNumber: event.customerNumber,
    position: event.position,
  };
}

export interface Acceptance {
  invitationId: string;
  vendorId: string;
  customerCompanyId: string;
  customerNumber: string | null;
  acceptedAt: string;
  position: bigint;
}

/**
 * The relationship after an acceptance: created on the first one,
 * re-activated when inactive (by the accepted invitation), otherwise kept.
 * The customer number is kept unless the relationship had none.
 * Returns `row` itself when nothing changes.
 */
export function evolveRelationship(
  row: RelationshipRow | undefined,
  a: Acceptance,
): RelationshipRow {
  if (!row) {
    return {
      vendorId: a.vendorId,
      customerCompanyId: a.customerCompanyId,
      status: 'active',
      createdAt: a.acceptedAt,
      activatedAt: a.acceptedAt,
      invitationId: a.invitationId,
      customerNumber: a.customerNumber,
      position: a.position,
    };
  }
  const customerNumber = row.customerNumber ?? a.customerNumber;
  if (row.status === 'inactive') {
    return {
      ...row,
      status: 'active',
      activatedAt: a.acceptedAt,
      invitationId: a.invitationId,
      customerNumber,
      position: a.position,
    };
  }
  return customerNumber === row.customerNumber
    ? row
    : { ...row, customerNumber, position: a.position };
}
