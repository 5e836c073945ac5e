import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent, RecordedEvent } from '../../../libs/event-store';
import { toInvitationEvent, type InvitationEvent } from '../invitation-events';

/** Synthetic invitation events as the invitations service stores them (design section 3). */
export const invitationStream = (invitationId: string) => `invitation-${invitationId}`;

const at = (second: number) => new Date(Date.UTC(2026, 10, 26, 10, 0, second)).toISOString();

function event(type: string, data: Record<string, unknown>, occurredAt: string): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    data,
    metadata: {
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actor: 'service:test',
      occurredAt,
    },
  };
}

export interface SentFields {
  vendorId: string;
  email: string;
  firstName: string;
  lastName: string;
  businessName?: string;
  customerNumber?: string;
  expiresAt: string;
}

/** Builders keyed by invitation id; `second` is the event time in seconds past a fixed instant. */
export const events = {
  sent: (invitationId: string, fields: Partial<SentFields> = {}, second = 0) =>
    event(
      'InvitationSent',
      {
        invitationId,
        vendorId: 'vendor-1',
        invitedBy: 'user-1',
        email: 'ann@example.com',
        firstName: 'Ann',
        lastName: 'Lee',
        tokenHash: 'a'.repeat(64),
        expiresAt: at(3600),
        ...fields,
      },
      at(second),
    ),
  resent: (invitationId: string, second = 1, expiresAt = at(7200 + second)) =>
    event('InvitationResent', { invitationId, tokenHash: 'b'.repeat(64), expiresAt }, at(second)),
  deferred: (invitationId: string, customerCompanyId = 'customer-1', second = 2) =>
    event(
      'InvitationAcceptanceDeferred',
      { invitationId, customerUserId: 'cu-1', customerCompanyId, reason: 'email_unverified' },
      at(second),
    ),
  accepted: (invitationId: string, customerCompanyId = 'customer-1', second = 3) =>
    event(
      'InvitationAccepted',
      { invitationId, customerUserId: 'cu-1', customerCompanyId, acceptedAt: at(second) },
      at(second),
    ),
  cancelled: (invitationId: string, second = 4) =>
    event('InvitationCancelled', { invitationId, cancelledBy: 'user-1' }, at(second)),
  expired: (invitationId: string, second = 5) =>
    event('InvitationExpired', { invitationId, expiredAt: at(second) }, at(second)),
  at,
};

/** A recorded event at `position`, as the store would deliver it. */
export function recorded(
  stream: string,
  e: NewEvent,
  position: bigint,
  revision = 0,
): RecordedEvent {
  return { ...e, streamName: stream, position, revision };
}

/** The projection's view of a synthetic event. */
export function projected(invitationId: string, e: NewEvent, position: bigint): InvitationEvent {
  return toInvitationEvent(recorded(invitationStream(invitationId), e, position));
}

/** Appends events to an invitation's stream, whatever its revision. */
export async function appendTo(store: EventStore, invitationId: string, ...list: NewEvent[]) {
  return store.append(invitationStream(invitationId), list, 'any');
}
