import { createHash } from 'node:crypto';
import {
  IntegrationEventTypes,
  type CloudEvent,
  type EmailVerifiedV1,
} from '../../../libs/contracts';
import type { RecordedEvent } from '../../../libs/event-store';

export const IDENTITY_SOURCE = '/identity';
/** Fixed namespace for the name-based (v5) ids of identity's integration events. */
const ID_NAMESPACE = '5b0f8d52-3c1e-4f7a-9a57-2f6f0e1c9d41';

/** The only domain event identity publishes: the forwarder reads only these. */
export const PUBLISHED_EVENT_TYPES = ['EmailVerified'] as const;

/**
 * Domain `EmailVerified` → public `identity.email-verified.v1`; every other
 * event → null. The id is derived from the domain event id, so publishing the
 * same event again yields the same message and consumers drop the duplicate.
 */
export function toIntegrationEvent(event: RecordedEvent): CloudEvent<EmailVerifiedV1> | null {
  if (event.type !== 'EmailVerified' || !event.streamName.startsWith('user-')) return null;
  const { userId, email, verifiedAt } = event.data as unknown as EmailVerifiedV1;
  return {
    specversion: '1.0',
    id: nameBasedUuid(ID_NAMESPACE, `${IntegrationEventTypes.emailVerified}/${event.eventId}`),
    source: IDENTITY_SOURCE,
    type: IntegrationEventTypes.emailVerified,
    time: verifiedAt,
    datacontenttype: 'application/json',
    subject: userId,
    correlationid: event.metadata.correlationId,
    data: { userId, email, verifiedAt },
  };
}

/** RFC 9562 version-5 (name-based, SHA-1) UUID. */
export function nameBasedUuid(namespace: string, name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name)
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
