/** The invitation statuses of the public contract (design section 5). */
export type InvitationStatus = 'pending' | 'accepted' | 'expired' | 'cancelled';

/**
 * One invitation as the HTTP API shows it, by the invitation service
 * (`GET /invitations/:id`) and by the query API (the vendor's list) alike.
 * Timestamps are UTC ISO-8601.
 */
export interface InvitationView {
  invitationId: string;
  vendorId: string;
  email: string;
  firstName: string;
  lastName: string;
  businessName: string | null;
  customerNumber: string | null;
  status: InvitationStatus;
  sentAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  cancelledAt: string | null;
  expiredAt: string | null;
  customerCompanyId: string | null;
}
