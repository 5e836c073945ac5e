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
 * The relationship after an acceptance, in whatever order acceptances come
 * (a parked one is replayed after later ones), as a rebuild in position order
 * makes it: the earliest acceptance sets createdAt, activatedAt and
 * invitationId (nothing projected deactivates a relationship yet), and the
 * customer number is the first one given. An acceptance applied already
 * changes nothing; an inactive relationship is re-activated by a later one.
 * `position` is the latest acceptance applied, whatever it changed, so it too
 * is the same in whatever order they come. Returns `row` itself when nothing
 * changes.
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
      createdPosition: a.position,
      ...(a.customerNumber !== null && { customerNumberPosition: a.position }),
    };
  }
  if (row.status === 'inactive') {
    if (a.position <= row.position) return row;
    return {
      ...merged(row, a, false),
      status: 'active',
      activatedAt: a.acceptedAt,
      invitationId: a.invitationId,
      position: a.position,
    };
  }
  // A row written before it kept its sources: only a newer acceptance may change it.
  if (row.createdPosition === undefined && a.position <= row.position) return row;
  return merged(row, a, row.createdPosition !== undefined && a.position < row.createdPosition);
}

/** `row` with what `a` gives when it is the earliest acceptance, or the first with a number. */
function merged(row: RelationshipRow, a: Acceptance, earliest: boolean): RelationshipRow {
  const numbered =
    a.customerNumber !== null &&
    (row.customerNumber === null ||
      (row.customerNumberPosition !== undefined && a.position < row.customerNumberPosition));
  const position = a.position > row.position ? a.position : row.position;
  if (!earliest && !numbered) return position === row.position ? row : { ...row, position };
  return {
    ...row,
    ...(earliest && {
      createdAt: a.acceptedAt,
      activatedAt: a.acceptedAt,
      invitationId: a.invitationId,
      createdPosition: a.position,
    }),
    ...(numbered && { customerNumber: a.customerNumber, customerNumberPosition: a.position }),
    position,
  };
}
