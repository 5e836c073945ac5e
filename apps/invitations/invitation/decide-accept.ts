import { timestampMs } from '../../../libs/contracts/timestamp';
import { sameMailbox } from '../../../libs/platform/validation/email-address';
import { conflict, forbidden, gone, notFound } from '../../../libs/platform/errors/app-error';
import type { AcceptInvitation, CompleteDeferredAcceptance } from './invitation.commands';
import type { InvitationEvent } from './invitation.events';
import {
  isExpired,
  isExpiredForGood,
  someSuperseded,
  type Invitation,
  type InvitationState,
} from './invitation.state';
import { sameTokenHash } from './invitation-token';

/**
 * Acceptance: a link of this invitation first (else 404), the accepting
 * company's repeat, an old link, then the invitation's end states (cancelled,
 * expired by time too, accepted), then the email. The end
 * states come first because identity keeps emails unique: checked after the
 * email, another company could never learn that the invitation was taken.
 * A customer whose email is not verified yet gets a deferral instead.
 */
export function decideAccept(
  c: AcceptInvitation,
  state: InvitationState,
  now: Date,
): InvitationEvent[] {
  const link = linkOf(state, c.tokenHash);
  // The company that accepted gets that acceptance again, by the newest link or an older one.
  if (link.invitation.accepted?.customerCompanyId === c.customer.companyId) return [];
  const invitation = link.current();
  if (invitation.status === 'cancelled') {
    throw gone('invitation_cancelled', 'The vendor cancelled this invitation.');
  }
  if (waitsInGrace(invitation, c, now)) return [];
  if (isExpired(invitation, now)) throw gone('invitation_expired', 'This invitation has expired.');
  if (invitation.accepted) {
    throw conflict('invitation_already_accepted', 'This invitation was already accepted.');
  }
  // Both normalised: an invitation or account recorded before addresses were kept in NFC may not be.
  if (!sameMailbox(c.customer.email, invitation.email)) {
    throw forbidden('email_mismatch', 'This invitation was sent to a different email address.');
  }
  const { invitationId, vendorId } = invitation;
  const customer = { customerUserId: c.customer.userId, customerCompanyId: c.customer.companyId };
  if (c.customer.emailVerified) {
    return [
      {
        type: 'InvitationAccepted',
        data: { invitationId, vendorId, ...customer, acceptedAt: now.toISOString() },
      },
    ];
  }
  if (invitation.deferred.some((d) => d.customerUserId === c.customer.userId)) return [];
  return [
    {
      type: 'InvitationAcceptanceDeferred',
      data: { invitationId, vendorId, ...customer, reason: 'email_unverified' },
    },
  ];
}

/**
 * Past its expiry, in the grace a waiting acceptance gives it, and the one
 * whose acceptance waits asks again with a token that says they verified
 * their email, a verification this service has not handled yet: that may
 * still accept it, so the answer is the one given before (202), not 410. One
 * not verified yet, or whose verification was handled, gets 410: nothing can
 * accept it any more.
 */
function waitsInGrace(invitation: Invitation, c: AcceptInvitation, now: Date): boolean {
  return (
    isExpired(invitation, now) &&
    invitation.status === 'pending' &&
    c.customer.emailVerified &&
    !c.customer.verificationSeen &&
    invitation.deferred.some((d) => d.customerUserId === c.customer.userId) &&
    !isExpiredForGood(invitation, now)
  );
}

/**
 * On the customer's email verification: accept if their acceptance is still
 * waiting, the email was verified before the expiry, and the expiry is not
 * final yet (its grace): a message a little late does not lose an acceptance
 * made and verified in time, and no message, however late, reopens one.
 */
export function decideCompleteDeferred(
  c: CompleteDeferredAcceptance,
  state: InvitationState,
  now: Date,
): InvitationEvent[] {
  if (!state || state.status !== 'pending' || isExpiredForGood(state, now)) return [];
  if (isExpired(state, verifiedBy(c, now))) return [];
  const waiting = state.deferred.find((d) => d.customerUserId === c.customerUserId);
  if (!waiting) return [];
  const { invitationId, vendorId } = state;
  return [
    {
      type: 'InvitationAccepted',
      data: { invitationId, vendorId, ...waiting, acceptedAt: now.toISOString() },
    },
  ];
}

/** The verification time, never later than now (a publisher's clock may run ahead). */
function verifiedBy(c: CompleteDeferredAcceptance, now: Date): Date {
  const verified = timestampMs(c.verifiedAt);
  return Number.isNaN(verified) || verified > now.getTime() ? now : new Date(verified);
}

/**
 * Which link of the invitation `tokenHash` is: none (404 `invitation_invalid`, as for an
 * invitation that does not exist), or one of its links, whose `current()` refuses an older
 * one (410 `invitation_link_superseded`: the newer email holds the live link).
 */
export function linkOf(state: InvitationState, tokenHash: string) {
  const current = !!state && sameTokenHash(tokenHash, state.tokenHash);
  if (!state || (!current && !someSuperseded(state, (h) => sameTokenHash(tokenHash, h)))) {
    throw notFound('invitation_invalid', 'The invitation link is not valid.');
  }
  const invitation = state;
  return {
    invitation,
    current(): Invitation {
      if (!current) {
        throw gone(
          'invitation_link_superseded',
          'This link was replaced by a newer invitation email.',
        );
      }
      return invitation;
    },
  };
}
