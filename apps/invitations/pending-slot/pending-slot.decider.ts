import { createHash } from 'node:crypto';
import {
  StaleObservationError,
  type Decider,
  type DomainEvent,
} from '../../../libs/platform/command-handling/decider';
import { conflict } from '../../../libs/platform/errors/app-error';
import { isLivePending, type InvitationState } from '../invitation/invitation.state';
import { sameTokenHash } from '../invitation/invitation-token';

/**
 * One pending invitation per vendor and email. A reservation stream per
 * vendor+email records which invitation holds the slot, and each claim is
 * appended at the revision read, so of two racing sends only one claims it.
 * Nothing releases the slot: a claim looks at the holder's own stream and
 * takes over once the holder is no longer pending.
 */
export type PendingSlotClaimed = DomainEvent<
  'PendingSlotClaimed',
  { invitationId: string; tokenHash: string; claimedAt: string }
>;

export interface SlotClaim {
  invitationId: string;
  tokenHash: string;
  claimedAt: string;
}

export type PendingSlotState = SlotClaim | null;

export interface ClaimPendingSlot {
  type: 'ClaimPendingSlot';
  invitationId: string;
  /** Hash of the token the claimant is about to record: tells an applied claim from one in flight. */
  tokenHash: string;
  /** The holder seen when the claim was prepared, with its invitation state. */
  observed: { claim: PendingSlotState; holder: InvitationState };
}

/** The slot moved since it was observed; the caller observes again. */
export class SlotMovedError extends StaleObservationError {
  constructor() {
    super('pending slot changed while claiming');
  }
}

/** A claim whose invitation event is not recorded yet counts as pending this long. */
export const CLAIM_IN_FLIGHT_MS = 30_000;

export const pendingSlotStream = (vendorId: string, email: string) =>
  `invitation_slot-${createHash('sha256').update(`${vendorId}|${email}`).digest('hex')}`;

/** Does the claim's invitation still hold the slot? */
export function holdsSlot(claim: PendingSlotState, holder: InvitationState, now: Date): boolean {
  if (!claim) return false;
  const applied = !!holder && sameTokenHash(holder.tokenHash, claim.tokenHash);
  if (!applied && now.getTime() - Date.parse(claim.claimedAt) < CLAIM_IN_FLIGHT_MS) return true;
  return isLivePending(holder, now);
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
  const { invitationId, tokenHash } = c;
  return [
    { type: 'PendingSlotClaimed', data: { invitationId, tokenHash, claimedAt: now.toISOString() } },
  ];
}

const sameClaim = (a: PendingSlotState, b: PendingSlotState) =>
  a === b ||
  (!!a &&
    !!b &&
    a.invitationId === b.invitationId &&
    a.tokenHash === b.tokenHash &&
    a.claimedAt === b.claimedAt);

export const pendingSlotDecider: Decider<PendingSlotState, ClaimPendingSlot, PendingSlotClaimed> = {
  initialState: () => null,
  evolve: (_state, event) => ({ ...event.data }),
  decide: decideClaim,
};
