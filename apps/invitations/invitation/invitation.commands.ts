/** What callers ask of one invitation. Ids and token hashes come in; time comes in as `now`. */
export interface SendInvitation {
  type: 'SendInvitation';
  invitationId: string;
  vendorId: string;
  invitedBy: string;
  email: string;
  firstName: string;
  lastName: string;
  businessName?: string;
  customerNumber?: string;
  /** The vendor company's name, when the vendor's token carries it. */
  vendorName?: string;
  tokenHash: string;
  expiresInDays: number;
}

export interface ResendInvitation {
  type: 'ResendInvitation';
  /** The caller's company: another vendor's invitation is not found. */
  vendorId: string;
  tokenHash: string;
  expiresInDays: number;
}

export interface CancelInvitation {
  type: 'CancelInvitation';
  vendorId: string;
  cancelledBy: string;
  reason?: string;
}

export interface Customer {
  userId: string;
  companyId: string;
  email: string;
  /** From the token, or from a verification this service has already seen. */
  emailVerified: boolean;
  /** Whether this service has handled the customer's verification already. */
  verificationSeen?: boolean;
}

export interface AcceptInvitation {
  type: 'AcceptInvitation';
  tokenHash: string;
  customer: Customer;
}

/** Sent when the customer's email is verified: completes their deferred acceptance, if any. */
export interface CompleteDeferredAcceptance {
  type: 'CompleteDeferredAcceptance';
  customerUserId: string;
  /** When the email was verified (ISO-8601), as the verification announced it. */
  verifiedAt: string;
}

export interface ExpireInvitation {
  type: 'ExpireInvitation';
}

export type InvitationCommand =
  | SendInvitation
  | ResendInvitation
  | CancelInvitation
  | AcceptInvitation
  | CompleteDeferredAcceptance
  | ExpireInvitation;
