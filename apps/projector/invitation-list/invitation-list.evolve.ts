import type { InvitationRow } from '../../../libs/read-store/read-models.port';
import { ProjectionError, type InvitationEvent } from '../invitation-events';

/**
 * The invitation list row after `event`: pure, and stamped with the event's
 * position. Returns `row` itself when the event changes nothing visible.
 * Only `InvitationSent` may create a row; an event for an unknown invitation
 * is an error (it is parked until replayed).
 */
export function evolveInvitation(
  row: InvitationRow | undefined,
  event: InvitationEvent,
): InvitationRow {
  const { position } = event;
  if (event.type === 'InvitationSent') {
    if (row) return row; // a duplicated Sent never resets a later state
    return {
      invitationId: event.invitationId,
      vendorId: event.vendorId,
      email: event.email,
      firstName: event.firstName,
      lastName: event.lastName,
      businessName: event.businessName,
      customerNumber: event.customerNumber,
      status: 'pending',
      sentAt: event.occurredAt,
      expiresAt: event.expiresAt,
      acceptedAt: null,
      cancelledAt: null,
      expiredAt: null,
      customerCompanyId: null,
      position,
    };
  }
  if (!row) throw new ProjectionError(`${event.type} for unknown invitation ${event.invitationId}`);
  switch (event.type) {
    case 'InvitationResent':
      return { ...row, status: 'pending', expiresAt: event.expiresAt, expiredAt: null, position };
    case 'InvitationAcceptanceDeferred':
      return row; // still pending until the email is verified
    case 'InvitationAccepted':
      return {
        ...row,
        status: 'accepted',
        acceptedAt: event.acceptedAt,
        customerCompanyId: event.customerCompanyId,
        position,
      };
    case 'InvitationCancelled':
      // As `GET /invitations/:id` shows it: an expiry time only while the status is expired.
      return {
        ...row,
        status: 'cancelled',
        cancelledAt: event.occurredAt,
        expiredAt: null,
        position,
      };
    case 'InvitationExpired':
      return { ...row, status: 'expired', expiredAt: event.expiredAt, position };
  }
}
