import type { EventStore } from '../../../libs/event-store';
import {
  handleCommands,
  onStream,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import {
  customerVerificationDecider,
  customerVerificationStream,
} from '../customer-verification/customer-verification.decider';
import { invitationDecider } from '../invitation/decide';
import { invitationStream } from '../invitation/invitation.events';

/**
 * Records that the customer is verified and completes every acceptance that
 * waits for it, in one commit. A deferral noted meanwhile moves the customer's
 * stream, so the whole decision is taken again and includes it. A redelivery
 * records nothing new: the verification is already there and the invitations
 * are already accepted (no deferral is noted once the verification is, so
 * none can wait for a later delivery). Cancelled or expired invitations stay
 * as they are.
 */
export async function completeDeferredAcceptances(
  store: EventStore,
  verified: { userId: string; verifiedAt: string },
  context: CommandContext,
): Promise<number> {
  const customer = customerVerificationStream(verified.userId);
  const [, ...invitations] = await handleCommands(
    store,
    async (load) => {
      const { state } = await load(customerVerificationDecider, customer);
      return [
        onStream(customerVerificationDecider, customer, {
          type: 'RecordEmailVerified',
          verifiedAt: verified.verifiedAt,
        }),
        // Only with the verification itself: a redelivery decides nothing, whatever the invitations became since.
        ...(state.verifiedAt ? [] : state.waitingInvitationIds).map((id) =>
          onStream(invitationDecider, invitationStream(id), {
            type: 'CompleteDeferredAcceptance',
            customerUserId: verified.userId,
            verifiedAt: verified.verifiedAt,
          }),
        ),
      ];
    },
    context,
  );
  return invitations.reduce((accepted, r) => accepted + r.events.length, 0);
}
