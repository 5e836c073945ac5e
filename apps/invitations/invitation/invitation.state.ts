import type { InvitationEvent } from './invitation.events';

export type InvitationStatus = 'pending' | 'accepted' | 'cancelled' | 'expired';

export interface Acceptor {
  customerUserId: string;
  customerCompanyId: string;
}

export interface Invitation {
  invitationId: string;
  vendorId: string;
  email: string;
  firstName: string;
  lastName: string;
  businessName?: string;
  customerNumber?: string;
  status: InvitationStatus;
  tokenHash: string;
  /** Hashes of earlier tokens, so an old link is told apart from a wrong one. */
  supersededTokenHashes: string[];
  expiresAt: string;
  /** Customers whose acceptance waits for their email verification. */
  deferred: Acceptor[];
  accepted?: Acceptor & { acceptedAt: string };
  expiredAt?: string;
}

/** `null` until the invitation is sent. */
export type InvitationState = Invitation | null;

export const initialState = (): InvitationState => null;

export function evolve(state: InvitationState, event: InvitationEvent): InvitationState {
  if (event.type === 'InvitationSent') {
    const { invitedBy: _, ...d } = event.data;
    return { ...d, status: 'pending', supersededTokenHashes: [], deferred: [] };
  }
  if (!state) return state;
  switch (event.type) {
    case 'InvitationResent':
      return {
        ...state,
        status: 'pending',
        tokenHash: event.data.tokenHash,
        supersededTokenHashes: [...state.supersededTokenHashes, state.tokenHash],
        expiresAt: event.data.expiresAt,
        expiredAt: undefined,
      };
    case 'InvitationAcceptanceDeferred': {
      const { customerUserId, customerCompanyId } = event.data;
      return { ...state, deferred: [...state.deferred, { customerUserId, customerCompanyId }] };
    }
    case 'InvitationAccepted': {
      const { customerUserId, customerCompanyId, acceptedAt } = event.data;
      return {
        ...state,
        status: 'accepted',
        accepted: { customerUserId, customerCompanyId, acceptedAt },
      };
    }
    // An acceptance waiting for verification ends with the invitation: a resend does not revive it.
    case 'InvitationCancelled':
      return { ...state, status: 'cancelled', deferred: [] };
    case 'InvitationExpired':
      return { ...state, status: 'expired', expiredAt: event.data.expiredAt, deferred: [] };
    default:
      return state;
  }
}

/** Past its expiry, whether or not the expiry has been recorded yet. */
export function isExpired(invitation: Invitation, now: Date): boolean {
  return (
    invitation.status === 'expired' ||
    (invitation.status === 'pending' && now.getTime() >= Date.parse(invitation.expiresAt))
  );
}

/** Pending and still acceptable. */
export function isLivePending(invitation: Invitation | null, now: Date): boolean {
  return !!invitation && invitation.status === 'pending' && !isExpired(invitation, now);
}

/** The status a reader should see: a pending invitation past its expiry reads as expired. */
export function effectiveStatus(invitation: Invitation, now: Date): InvitationStatus {
  return isExpired(invitation, now) ? 'expired' : invitation.status;
}
