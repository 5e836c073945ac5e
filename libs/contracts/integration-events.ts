import { buildMessage, IsEmail, IsNotEmpty, IsString, ValidateBy } from 'class-validator';
import { IsTimestamp } from './timestamp';

/**
 * The public, versioned integration contract (design section 4). Domain events
 * never leave their service; these classes are what crosses RabbitMQ, and they
 * double as the validators consumers run on every message.
 */
export const IntegrationEventTypes = {
  emailVerified: 'identity.email-verified.v1',
  invitationSent: 'invitations.invitation-sent.v1',
  invitationResent: 'invitations.invitation-resent.v1',
  invitationAccepted: 'invitations.invitation-accepted.v1',
  invitationCancelled: 'invitations.invitation-cancelled.v1',
  invitationExpired: 'invitations.invitation-expired.v1',
} as const;

export type IntegrationEventType =
  (typeof IntegrationEventTypes)[keyof typeof IntegrationEventTypes];

/**
 * An id: text with something besides spaces, and well-formed Unicode, since
 * ids become stream names, where a lone surrogate is stored as U+FFFD and two
 * different ids would share one stream.
 */
const id = () => (target: object, key: string) => {
  IsString()(target, key);
  IsNotEmpty()(target, key);
  ValidateBy({
    name: 'isId',
    validator: {
      validate: (value) => typeof value === 'string' && value.trim() !== '' && value.isWellFormed(),
      defaultMessage: buildMessage(() => '$property must be well-formed text, not only spaces'),
    },
  })(target, key);
};
const timestamp = IsTimestamp;

export class EmailVerifiedV1 {
  @id() userId!: string;
  @IsEmail() email!: string;
  @timestamp() verifiedAt!: string;
}

export class InvitationSentV1 {
  @id() invitationId!: string;
  @id() vendorId!: string;
  @IsEmail() email!: string;
  @timestamp() expiresAt!: string;
}

/** A new link and expiry; an expired invitation is pending again. */
export class InvitationResentV1 {
  @id() invitationId!: string;
  @id() vendorId!: string;
  @timestamp() expiresAt!: string;
  @timestamp() resentAt!: string;
}

export class InvitationAcceptedV1 {
  @id() invitationId!: string;
  @id() vendorId!: string;
  @id() customerCompanyId!: string;
  @id() customerUserId!: string;
  @timestamp() acceptedAt!: string;
}

export class InvitationCancelledV1 {
  @id() invitationId!: string;
  @id() vendorId!: string;
  @timestamp() cancelledAt!: string;
}

export class InvitationExpiredV1 {
  @id() invitationId!: string;
  @id() vendorId!: string;
  @timestamp() expiredAt!: string;
}

/** The data class of each contracted type, for validation and documentation. */
export const IntegrationEventData: Record<IntegrationEventType, new () => object> = {
  [IntegrationEventTypes.emailVerified]: EmailVerifiedV1,
  [IntegrationEventTypes.invitationSent]: InvitationSentV1,
  [IntegrationEventTypes.invitationResent]: InvitationResentV1,
  [IntegrationEventTypes.invitationAccepted]: InvitationAcceptedV1,
  [IntegrationEventTypes.invitationCancelled]: InvitationCancelledV1,
  [IntegrationEventTypes.invitationExpired]: InvitationExpiredV1,
};
