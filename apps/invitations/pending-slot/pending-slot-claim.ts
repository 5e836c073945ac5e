import {
  onStream,
  type LoadState,
  type StreamCommand,
} from '../../../libs/platform/command-handling/command-handler';
import { invitationDecider } from '../invitation/decide';
import { invitationStream } from '../invitation/invitation.events';
import { pendingSlotDecider, pendingSlotStream } from './pending-slot.decider';

export interface SlotRequest {
  vendorId: string;
  email: string;
  invitationId: string;
}

/**
 * The claim of the vendor+email slot for an invitation, decided against the
 * holder as observed now, for the command that records the invitation in the
 * same commit. Deciding it refuses with 409 `invitation_already_pending`
 * naming the holder; a slot that moved since this observation is observed
 * again by the command handler.
 *
 * Taking over from a holder whose expiry is final but not recorded, the claim
 * records that expiry on the holder's stream in the same commit. The commit
 * then checks the holder's revision, so a deferral (which extends the expiry
 * by its grace) or an acceptance decided before the expiry but committed
 * after it cannot land on the old invitation once another holds the slot:
 * it meets the recorded expiry instead.
 */
export async function pendingSlotClaim(
  load: LoadState,
  request: SlotRequest,
): Promise<StreamCommand[]> {
  const stream = pendingSlotStream(request.vendorId, request.email);
  const { state: claim } = await load(pendingSlotDecider, stream);
  const holderId = claim && claim.invitationId !== request.invitationId ? claim.invitationId : null;
  const holder = holderId
    ? (await load(invitationDecider, invitationStream(holderId))).state
    : null;
  const observed = { claim, holder };
  const claiming = onStream(pendingSlotDecider, stream, {
    type: 'ClaimPendingSlot',
    invitationId: request.invitationId,
    observed,
  });
  if (!holderId || holder?.status !== 'pending') return [claiming];
  // Decided after the claim, so a live holder is refused by the claim first.
  return [
    claiming,
    onStream(invitationDecider, invitationStream(holderId), { type: 'ExpireInvitation' }),
  ];
}
