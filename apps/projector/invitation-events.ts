import { hasCalendarDay } from '../../libs/contracts/timestamp';
import { isJsonObject, type RecordedEvent } from '../../libs/event-store';
import { normalisedEmail } from '../../libs/platform/validation/email-address';

/** The six invitation event types the projections read (design section 3). */
export const INVITATION_EVENT_TYPES = [
  'InvitationSent',
  'InvitationResent',
  'InvitationAcceptanceDeferred',
  'InvitationAccepted',
  'InvitationCancelled',
  'InvitationExpired',
] as const;
export type InvitationEventType = (typeof INVITATION_EVENT_TYPES)[number];
const READ_TYPES: ReadonlySet<string> = new Set(INVITATION_EVENT_TYPES);

const STREAM_PREFIX = 'invitation-';

interface Envelope {
  invitationId: string;
  streamName: string;
  eventId: string;
  position: bigint;
  /** From the event metadata, normalised to UTC ISO-8601. */
  occurredAt: string;
}

/** An invitation event as the projections see it: validated, flat, timestamps normalised. */
export type InvitationEvent = Envelope &
  (
    | {
        type: 'InvitationSent';
        vendorId: string;
        email: string;
        firstName: string;
        lastName: string;
        businessName: string | null;
        customerNumber: string | null;
        expiresAt: string;
      }
    | { type: 'InvitationResent'; expiresAt: string }
    | { type: 'InvitationAcceptanceDeferred'; customerCompanyId: string }
    | { type: 'InvitationAccepted'; customerCompanyId: string; acceptedAt: string }
    | { type: 'InvitationCancelled' }
    | { type: 'InvitationExpired'; expiredAt: string }
  );

/** An event a projection cannot apply; it is retried, then parked. */
export class ProjectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectionError';
  }
}

/**
 * The invitation an event belongs to, by its stream (`invitation-<id>`), or
 * undefined when the projections do not read it: another type, another stream
 * (the guard streams are `invitation_slot-…`). Malformed data is not passed
 * over: toInvitationEvent refuses it, and the event is parked.
 */
export function invitationIdOf(e: RecordedEvent): string | undefined {
  if (!e.streamName.startsWith(STREAM_PREFIX)) return undefined;
  if (!READ_TYPES.has(e.type)) return undefined;
  return e.streamName.slice(STREAM_PREFIX.length) || undefined;
}

/** Validates a recorded invitation event; throws ProjectionError when its data is unusable. */
export function toInvitationEvent(e: RecordedEvent): InvitationEvent {
  const invitationId = invitationIdOf(e);
  if (!invitationId)
    throw new ProjectionError(`${e.type} on ${e.streamName} is not an invitation event`);
  const d = e.data;
  if (!isJsonObject(d))
    throw new ProjectionError(`${e.type} on ${e.streamName}: data is not an object`);
  // Another writer's event naming another invitation: parked where it shows, not passed over.
  if (d.invitationId !== undefined && d.invitationId !== invitationId) {
    throw new ProjectionError(`${e.type} on ${e.streamName}: data names another invitationId`);
  }
  // Object.assign onto the fresh envelope: a spread that adds keys is far slower in V8.
  const envelope: Envelope = {
    invitationId,
    streamName: e.streamName,
    eventId: e.eventId,
    position: e.position,
    occurredAt: timestamp(e.metadata?.occurredAt, 'metadata.occurredAt'),
  };
  switch (e.type as InvitationEventType) {
    case 'InvitationSent':
      return Object.assign(envelope, {
        type: 'InvitationSent' as const,
        vendorId: text(d.vendorId, 'vendorId'),
        email: normalisedEmail(text(d.email, 'email')),
        firstName: text(d.firstName, 'firstName'),
        lastName: text(d.lastName, 'lastName'),
        businessName: optionalText(d.businessName, 'businessName'),
        customerNumber: optionalText(d.customerNumber, 'customerNumber'),
        expiresAt: timestamp(d.expiresAt, 'expiresAt'),
      });
    case 'InvitationResent':
      return Object.assign(envelope, {
        type: 'InvitationResent' as const,
        expiresAt: timestamp(d.expiresAt, 'expiresAt'),
      });
    case 'InvitationAcceptanceDeferred':
      return Object.assign(envelope, {
        type: 'InvitationAcceptanceDeferred' as const,
        customerCompanyId: text(d.customerCompanyId, 'customerCompanyId'),
      });
    case 'InvitationAccepted':
      return Object.assign(envelope, {
        type: 'InvitationAccepted' as const,
        customerCompanyId: text(d.customerCompanyId, 'customerCompanyId'),
        acceptedAt: timestamp(d.acceptedAt, 'acceptedAt'),
      });
    case 'InvitationCancelled':
      return Object.assign(envelope, { type: 'InvitationCancelled' as const });
    case 'InvitationExpired':
      return Object.assign(envelope, {
        type: 'InvitationExpired' as const,
        expiredAt: timestamp(d.expiredAt, 'expiredAt'),
      });
  }
}

function text(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '')
    throw new ProjectionError(`${field} must be a non-empty string`);
  return v;
}

function optionalText(v: unknown, field: string): string | null {
  return v === undefined || v === null ? null : text(v, field);
}

/** A timestamp as UTC ISO-8601 with milliseconds, the form every stored event should carry. */
export function timestamp(v: unknown, field: string): string {
  if (typeof v === 'string' && isCanonical(v)) return v;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new ProjectionError(`${field} must be an ISO-8601 timestamp`);
  return new Date(t).toISOString();
}

const CANONICAL =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * Already exactly what `toISOString` would give back (a real calendar day):
 * the common case, checked by pattern because parsing and re-formatting
 * every timestamp dominates a rebuild.
 */
const isCanonical = (v: string): boolean => CANONICAL.test(v) && hasCalendarDay(v);
