import type { EventStore } from '../../../libs/event-store';
import {
  handleCommand,
  loadState,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { invitationDecider } from '../invitation/decide';
import { invitationStream } from '../invitation/invitation.events';
import { pendingSlotDecider, pendingSlotStream, SlotMovedError } from './pending-slot.decider';

const MAX_ATTEMPTS = 5;

export interface SlotRequest {
  vendorId: string;
  email: string;
  invitationId: string;
  tokenHash: string;
}

/**
 * Claims the vendor+email slot for an invitation, or throws 409
 * `invitation_already_pending` naming the holder. The holder's state lives in
 * another stream, so it is observed first and the claim is decided against
 * that observation; if the slot moved meanwhile, observe again.
 */
export async function claimPendingSlot(
  store: EventStore,
  request: SlotRequest,
  context: CommandContext,
): Promise<void> {
  const stream = pendingSlotStream(request.vendorId, request.email);
  for (let attempt = 1; ; attempt++) {
    const { state: claim } = await loadState(store, pendingSlotDecider, stream);
    const holder =
      claim && claim.invitationId !== request.invitationId
        ? (await loadState(store, invitationDecider, invitationStream(claim.invitationId))).state
        : null;
    try {
      await handleCommand(
        store,
        pendingSlotDecider,
        stream,
        {
          type: 'ClaimPendingSlot',
          invitationId: request.invitationId,
          tokenHash: request.tokenHash,
          observed: { claim, holder },
        },
        context,
      );
      return;
    } catch (error) {
      if (!(error instanceof SlotMovedError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
