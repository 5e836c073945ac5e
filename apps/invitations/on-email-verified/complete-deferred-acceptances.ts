import type { EventStore } from '../../../libs/event-store';
import {
  handleCommand,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import {
  customerVerificationDecider,
  customerVerificationStream,
} from '../customer-verification/customer-verification.decider';
import { invitationDecider } from '../invitation/decide';
import { invitationStream } from '../invitation/invitation.events';

/**
 * Records that the customer is verified, then completes every acceptance
 * that waits for it. A redelivery records nothing new: the verification is
 * already there and the invitations are already accepted.
 */
export async function completeDeferredAcceptances(
  store: EventStore,
  verified: { userId: string; verifiedAt: string },
  context: CommandContext,
): Promise<number> {
  const { state } = await handleCommand(
    store,
    customerVerificationDecider,
    customerVerificationStream(verified.userId),
    { type: 'RecordEmailVerified', verifiedAt: verified.verifiedAt },
    context,
  );
  let accepted = 0;
  for (const invitationId of state.waitingInvitationIds) {
    const { events } = await handleCommand(
      store,
      invitationDecider,
      invitationStream(invitationId),
      { type: 'CompleteDeferredAcceptance', customerUserId: verified.userId },
      context,
    );
    accepted += events.length;
  }
  return accepted;
}
