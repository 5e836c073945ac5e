import { createHash } from 'node:crypto';
import {
  StaleObservationError,
  type Decider,
  type DomainEvent,
} from '../../../libs/platform/command-handling/decider';
import { conflict } from '../../../libs/platform/errors/app-error';
import { mailboxOf } from '../../../libs/platform/validation/email-address';
import { isLivePending, type InvitationState } from '../invitation/invitation.state';

/**
 * One pending invitation per vendor and email. A reservation stream per
 * vendor+email records which invitation holds the slot. A claim is written in
 * the same commit as the invitation event it is for (InvitationSent or
 * InvitationResent), at the revision read, so of two racing sends only one
 * claims it, and no claim is ever left without its invitation. Nothing
 * releases the slot: a claim looks at the holder's own stream and takes over
 * once the holder is no longer pending.
 */
export type PendingSlotClaimed = DomainEvent<
  'PendingSlotClaimed',
  { invitationId: string; claimedAt: string }
>;

export interface SlotClaim {
  invitationId: string;
  claimedAt: string;
}

export type PendingSlotState = SlotClaim | null;

export interface ClaimPendingSlot {
  type: 'ClaimPendingSlot';
  invitationId: string;
  /** The holder seen when the claim was prepared, with its invitation state. */
  observed: { claim: PendingSlotState; holder: InvitationState };
}

/** The slot moved since it was observed; the caller observes again. */
export class SlotMovedError extends StaleObservationError {
  constructor() {
    super('pending slot changed while claiming');
  }
}

/**
 * By the mailbox: an invitation recorded before addresses were kept in NFC may hold another
 * form, and an international domain has two spellings.
 */
export const pendingSlotStream = (vendorId: string, email: string) =>
  `invitation_slot-${createHash('sha256')
    .update(`${vendorId}|${mailboxOf(email)}`)
    .digest('hex')}`;

/**
 * Does the claim's invitation still hold the slot? Claims recorded before
 * claims and invitations shared a commit may lack their invitation: those
 * hold nothing.
 */
export function holdsSlot(claim: PendingSlotState, holder: InvitationState, now: Date): boolean {
  return !!claim && isLivePending(holder, now);
}

export function decideClaim(
  c: ClaimPendingSlot,
  state: PendingSlotState,
  now: Date,
): PendingSlotClaimed[] {
  if (!sameClaim(state, c.observed.claim)) throw new SlotMovedError();
  if (state && state.invitationId !== c.invitationId && holdsSlot(state, c.observed.holder, now)) {
    throw conflict(
      'invitation_already_pending',
      'A pending invitation for this email already exists.',
      {
        invitationId: state.invitationId,
      },
    );
  }
  const { invitationId } = c;
  return [{ type: 'PendingSlotClaimed', data: { invitationId, claimedAt: now.toISOString() } }];
}

const sameClaim = (a: PendingSlotState, b: PendingSlotState) =>
  a === b || (!!a && !!b && a.invitationId === b.invitationId && a.claimedAt === b.claimedAt);

export const pendingSlotDecider: Decider<PendingSlotState, ClaimPendingSlot, PendingSlotClaimed> = {
  // The slot is its latest claim, and every send and resend claims it again: read whole, the
  // stream of a vendor sending and cancelling in a loop would cost more with every send.
  latestOnly: true,
  initialState: () => null,
  // Older claims also carry a token hash, which no rule reads any more.
  evolve: (_state, event) => ({
    invitationId: event.data.invitationId,
    claimedAt: event.data.claimedAt,
  }),
  decide: decideClaim,
};
