import type { DomainEvent } from '../../../libs/platform/command-handling/decider';

/**
 * Invitation events as stored (design section 3). Besides the contracted
 * fields every event carries `invitationId` and `vendorId`, so each one can be
 * mapped to its integration event on its own.
 */
type Ids = {
  invitationId: string;
  vendorId: string;
};

export type InvitationSent = DomainEvent<
  'InvitationSent',
  Ids & {
    invitedBy: string;
    email: string;
    firstName: string;
    lastName: string;
    businessName?: string;
    customerNumber?: string;
    /** An addition: the vendor company's name as its token gave it, for the link's preview. */
    vendorName?: string;
    /** SHA-256 hex of the accept token; the token itself is never stored. */
    tokenHash: string;
    expiresAt: string;
  }
>;

export type InvitationResent = DomainEvent<
  'InvitationResent',
  Ids & { tokenHash: string; expiresAt: string }
>;

export type InvitationAcceptanceDeferred = DomainEvent<
  'InvitationAcceptanceDeferred',
  Ids & { customerUserId: string; customerCompanyId: string; reason: 'email_unverified' }
>;

export type InvitationAccepted = DomainEvent<
  'InvitationAccepted',
  Ids & { customerUserId: string; customerCompanyId: string; acceptedAt: string }
>;

export type InvitationCancelled = DomainEvent<
  'InvitationCancelled',
  Ids & { cancelledBy: string; reason?: string }
>;

export type InvitationExpired = DomainEvent<'InvitationExpired', Ids & { expiredAt: string }>;

export type InvitationEvent =
  | InvitationSent
  | InvitationResent
  | InvitationAcceptanceDeferred
  | InvitationAccepted
  | InvitationCancelled
  | InvitationExpired;

export const invitationStreamPrefix = 'invitation-';
export const invitationStream = (invitationId: string) =>
  `${invitationStreamPrefix}${invitationId}`;
