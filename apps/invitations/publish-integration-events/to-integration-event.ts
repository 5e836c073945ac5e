import { createHash } from 'node:crypto';
import { IntegrationEventTypes, type CloudEvent } from '../../../libs/contracts';
import type { RecordedEvent } from '../../../libs/event-store';
import { invitationStreamPrefix, type InvitationEvent } from '../invitation/invitation.events';

export const SOURCE = '/invitations';
/** The forwarder publishing these: its checkpoint and lease go by this name. */
export const INVITATIONS_FORWARDER = 'invitations-forwarder';

/** The invitation events that have a public counterpart: the forwarder reads only these. */
export const PUBLISHED_EVENT_TYPES = [
  'InvitationSent',
  'InvitationResent',
  'InvitationAccepted',
  'InvitationCancelled',
  'InvitationExpired',
] as const satisfies readonly InvitationEvent['type'][];

/**
 * Maps a recorded invitation event to its public integration event (design
 * section 4), or null for events that are not published. The id is derived
 * from the domain event id, so publishing the same event again yields the
 * same message and consumers can drop the duplicate.
 */
export function toIntegrationEvent(recorded: RecordedEvent): CloudEvent | null {
  if (!recorded.streamName.startsWith(invitationStreamPrefix)) return null;
  const event = { type: recorded.type, data: recorded.data } as InvitationEvent;
  switch (event.type) {
    case 'InvitationSent': {
      const { invitationId, vendorId, email, expiresAt } = event.data;
      return envelope(recorded, IntegrationEventTypes.invitationSent, {
        invitationId,
        vendorId,
        email,
        expiresAt,
      });
    }
    case 'InvitationResent': {
      const { invitationId, vendorId, expiresAt } = event.data;
      const resentAt = recorded.metadata.occurredAt;
      return envelope(recorded, IntegrationEventTypes.invitationResent, {
        invitationId,
        vendorId,
        expiresAt,
        resentAt,
      });
    }
    case 'InvitationAccepted': {
      const { invitationId, vendorId, customerCompanyId, customerUserId, acceptedAt } = event.data;
      return envelope(recorded, IntegrationEventTypes.invitationAccepted, {
        invitationId,
        vendorId,
        customerCompanyId,
        customerUserId,
        acceptedAt,
      });
    }
    case 'InvitationCancelled': {
      const { invitationId, vendorId } = event.data;
      const cancelledAt = recorded.metadata.occurredAt;
      return envelope(recorded, IntegrationEventTypes.invitationCancelled, {
        invitationId,
        vendorId,
        cancelledAt,
      });
    }
    case 'InvitationExpired': {
      const { invitationId, vendorId, expiredAt } = event.data;
      return envelope(recorded, IntegrationEventTypes.invitationExpired, {
        invitationId,
        vendorId,
        expiredAt,
      });
    }
    default:
      return null;
  }
}

function envelope(
  recorded: RecordedEvent,
  type: string,
  data: { invitationId: string } & Record<string, unknown>,
): CloudEvent {
  return {
    specversion: '1.0',
    id: integrationEventId(type, recorded.eventId),
    source: SOURCE,
    type,
    time: recorded.metadata.occurredAt,
    datacontenttype: 'application/json',
    subject: data.invitationId,
    correlationid: recorded.metadata.correlationId,
    data,
  };
}

/** A UUID-shaped digest of the integration type and the domain event id. */
export function integrationEventId(type: string, eventId: string): string {
  const h = createHash('sha256').update(`${type}\n${eventId}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
