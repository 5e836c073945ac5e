import type { Decider } from '../../../libs/platform/command-handling/decider';
import { conflict, invalid, notFound } from '../../../libs/platform/errors/app-error';
import { decideAccept, decideCompleteDeferred } from './decide-accept';
import type {
  CancelInvitation,
  InvitationCommand,
  ResendInvitation,
  SendInvitation,
} from './invitation.commands';
import type { InvitationEvent } from './invitation.events';
import {
  evolve,
  initialState,
  isExpiredForGood,
  type Invitation,
  type InvitationState,
} from './invitation.state';

const DAY_MS = 86_400_000;

/**
 * Resends one invitation may have, at most: past it a resend is refused. Each
 * one makes its stream longer, and every read of the invitation (its
 * anonymous preview too) loads and folds the whole stream: at the vendor rate
 * limit a script made it 86,400 events longer a day, seconds per read.
 */
export const MAX_RESENDS = 20;

export function decide(
  command: InvitationCommand,
  state: InvitationState,
  now: Date,
): InvitationEvent[] {
  switch (command.type) {
    case 'SendInvitation':
      return send(command, state, now);
    case 'ResendInvitation':
      return resend(command, ownInvitation(state, command.vendorId), now);
    case 'CancelInvitation':
      return cancel(command, ownInvitation(state, command.vendorId), now);
    case 'AcceptInvitation':
      return decideAccept(command, state, now);
    case 'CompleteDeferredAcceptance':
      return decideCompleteDeferred(command, state, now);
    case 'ExpireInvitation':
      return expire(state, now);
  }
}

export const invitationDecider: Decider<InvitationState, InvitationCommand, InvitationEvent> = {
  initialState,
  evolve,
  decide,
};

function send(c: SendInvitation, state: InvitationState, now: Date): InvitationEvent[] {
  if (state) throw conflict('invitation_exists', 'An invitation with this id already exists.');
  const { type: _, expiresInDays, ...data } = c;
  return [
    {
      type: 'InvitationSent',
      data: { ...data, expiresAt: expiryFrom(now, expiresInDays) },
    },
  ];
}

function resend(c: ResendInvitation, state: Invitation, now: Date): InvitationEvent[] {
  if (state.status !== 'pending' && state.status !== 'expired') {
    throw conflict(
      'invitation_not_resendable',
      `An invitation that is ${state.status} cannot be sent again.`,
    );
  }
  // `>=`: a stream recorded before the cap may hold more, and is refused the same way.
  if (state.resends >= MAX_RESENDS) {
    throw conflict(
      'invitation_not_resendable',
      `This invitation was resent ${MAX_RESENDS} times already, the most allowed. ` +
        'Cancel it and send a new invitation instead.',
    );
  }
  const { invitationId, vendorId } = state;
  // Expired for good but not recorded yet: the expiry happened, and ends any acceptance that
  // waits. In the grace a waiting acceptance keeps, the invitation is still pending and keeps it.
  return [
    ...expire(state, now),
    {
      type: 'InvitationResent',
      data: {
        invitationId,
        vendorId,
        tokenHash: c.tokenHash,
        expiresAt: expiryFrom(now, c.expiresInDays),
      },
    },
  ];
}

function cancel(c: CancelInvitation, state: Invitation, now: Date): InvitationEvent[] {
  if (state.status === 'cancelled') return [];
  if (state.status === 'accepted') {
    throw conflict('invitation_already_accepted', 'An accepted invitation cannot be cancelled.');
  }
  const { invitationId, vendorId } = state;
  const reason = c.reason ? { reason: c.reason } : {};
  // Past its expiry but not recorded yet: as on a resend, the expiry is recorded (and announced) first.
  return [
    ...expire(state, now),
    {
      type: 'InvitationCancelled',
      data: { invitationId, vendorId, cancelledBy: c.cancelledBy, ...reason },
    },
  ];
}

/** Only a pending invitation whose expiry is final expires; anything else makes this a no-op. */
function expire(state: InvitationState, now: Date): InvitationEvent[] {
  if (!state || state.status !== 'pending' || !isExpiredForGood(state, now)) return [];
  const { invitationId, vendorId, expiresAt } = state;
  return [{ type: 'InvitationExpired', data: { invitationId, vendorId, expiredAt: expiresAt } }];
}

/** Vendors see only their own company's invitations; anything else is not found. */
function ownInvitation(state: InvitationState, vendorId: string): Invitation {
  if (!state || state.vendorId !== vendorId) {
    throw notFound('invitation_not_found', 'No such invitation.');
  }
  return state;
}

export function expiryFrom(now: Date, days: number): string {
  if (!Number.isInteger(days) || days < 1 || days > 30) {
    throw invalid('validation_failed', 'expiresInDays must be a whole number from 1 to 30.', [
      { field: 'expiresInDays', message: 'expiresInDays must be from 1 to 30' },
    ]);
  }
  return new Date(now.getTime() + days * DAY_MS).toISOString();
}
