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
  vendorName?: string;
  status: InvitationStatus;
  tokenHash: string;
  /** Hashes of earlier tokens, so an old link is told apart from a wrong one. */
  superseded?: SupersededTokens;
  /** Resends recorded so far; the decider refuses one past MAX_RESENDS. */
  resends: number;
  expiresAt: string;
  /** Customers whose acceptance waits for their email verification. */
  deferred: Acceptor[];
  accepted?: Acceptor & { acceptedAt: string };
  expiredAt?: string;
}

/**
 * Earlier token hashes, newest first, each holding those before it: a resend
 * adds one without copying the rest. A list copied on each resend made a
 * stream's fold grow with the square of its resends (20,000 of them froze the
 * service for 4 s on each read of the invitation, its anonymous preview too).
 */
export interface SupersededTokens {
  hash: string;
  before?: SupersededTokens;
}

/** Whether any earlier token's hash passes `matches`. */
export function someSuperseded(
  invitation: Invitation,
  matches: (tokenHash: string) => boolean,
): boolean {
  for (let t = invitation.superseded; t; t = t.before) if (matches(t.hash)) return true;
  return false;
}

/** `null` until the invitation is sent. */
export type InvitationState = Invitation | null;

export const initialState = (): InvitationState => null;

export function evolve(state: InvitationState, event: InvitationEvent): InvitationState {
  if (event.type === 'InvitationSent') {
    const { invitedBy: _, ...d } = event.data;
    return { ...d, status: 'pending', resends: 0, deferred: [] };
  }
  if (!state) return state;
  switch (event.type) {
    case 'InvitationResent':
      return {
        ...state,
        status: 'pending',
        tokenHash: event.data.tokenHash,
        superseded: { hash: state.tokenHash, before: state.superseded },
        resends: state.resends + 1,
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

/** Past its expiry, whether or not the expiry has been recorded yet: no acceptance by link from then on. */
export function isExpired(invitation: Invitation, now: Date): boolean {
  return (
    invitation.status === 'expired' ||
    (invitation.status === 'pending' && now.getTime() >= Date.parse(invitation.expiresAt))
  );
}

/**
 * How long past its expiry an invitation whose acceptance waits for email
 * verification stays open: a verification made before the expiry has that
 * long to be forwarded, delivered (retries included) and complete the
 * acceptance. Until then the expiry is not final, so nothing records it.
 */
export const WAITING_ACCEPTANCE_GRACE_MS = 5 * 60_000;

/** When an expiry at `expiresAt` (ms) is final: then, or the grace after it while an acceptance waits. */
export const expiryFinalAt = (expiresAt: number, acceptanceWaits: boolean): number =>
  expiresAt + (acceptanceWaits ? WAITING_ACCEPTANCE_GRACE_MS : 0);

/** When a pending invitation's expiry is final (ms): its expiry, plus the grace if an acceptance waits. */
export const finalExpiryOf = (invitation: Invitation): number =>
  expiryFinalAt(Date.parse(invitation.expiresAt), invitation.deferred.length > 0);

/** Expired for good, recorded or not: past its expiry, and past the grace if an acceptance waits. */
export function isExpiredForGood(invitation: Invitation, now: Date): boolean {
  if (invitation.status !== 'pending') return invitation.status === 'expired';
  return now.getTime() >= finalExpiryOf(invitation);
}

/** Pending and holding its vendor and email: until its expiry is final. */
export function isLivePending(invitation: Invitation | null, now: Date): boolean {
  return !!invitation && invitation.status === 'pending' && !isExpiredForGood(invitation, now);
}

/**
 * Whether the email carrying the link `tokenHash` is still worth sending: its invitation still
 * pending and unexpired, the link not superseded by a resend. Else it would name the vendor to
 * someone the invitation no longer concerns, or carry a link that answers 410.
 */
export function emailStillWanted(
  invitation: InvitationState,
  tokenHash: string,
  now: Date,
): boolean {
  return (
    !!invitation &&
    invitation.status === 'pending' &&
    !isExpired(invitation, now) &&
    invitation.tokenHash === tokenHash
  );
}

/** The status a reader should see: a pending invitation whose expiry is final reads as expired. */
export function effectiveStatus(invitation: Invitation, now: Date): InvitationStatus {
  return isExpiredForGood(invitation, now) ? 'expired' : invitation.status;
}
