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
 */
export async function pendingSlotClaim(
  load: LoadState,
  request: SlotRequest,
): Promise<StreamCommand> {
  const stream = pendingSlotStream(request.vendorId, request.email);
  const { state: claim } = await load(pendingSlotDecider, stream);
  const holder =
    claim && claim.invitationId !== request.invitationId
      ? (await load(invitationDecider, invitationStream(claim.invitationId))).state
      : null;
  return onStream(pendingSlotDecider, stream, {
    type: 'ClaimPendingSlot',
    invitationId: request.invitationId,
    observed: { claim, holder },
  });
}
