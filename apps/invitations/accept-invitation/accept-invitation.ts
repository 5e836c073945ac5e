import type { Principal } from '../../../libs/auth/principal';
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
import type { AcceptInvitation } from '../invitation/invitation.commands';
import { invitationStream } from '../invitation/invitation.events';
import type { InvitationState } from '../invitation/invitation.state';
import { hashToken } from '../invitation/invitation-token';
import type { AcceptInvitationResponse } from './accept-invitation.dto';

/**
 * Accepts, or defers until the customer's email is verified. A deferral is
 * recorded in one commit with its note on the customer's verification stream
 * (where the EmailVerified handler looks), at the revision where that stream
 * showed no verification: a verification recorded meanwhile makes the commit
 * fail, and the accept, decided again, completes at once. Refusals throw
 * before anything is written.
 */
export async function acceptInvitation(
  store: EventStore,
  customer: Principal,
  invitationId: string,
  token: string,
  context: CommandContext,
): Promise<{ response: AcceptInvitationResponse; position?: bigint }> {
  const stream = invitationStream(invitationId);
  const verification = customerVerificationStream(customer.userId);
  const [accepted] = await handleCommands(
    store,
    async (load) => {
      const { state: seen } = await load(customerVerificationDecider, verification);
      const command: AcceptInvitation = {
        type: 'AcceptInvitation',
        tokenHash: hashToken(token),
        customer: {
          userId: customer.userId,
          companyId: customer.companyId,
          email: customer.email,
          emailVerified: customer.emailVerified || !!seen.verifiedAt,
          verificationSeen: !!seen.verifiedAt,
        },
      };
      const { state: current } = await load(invitationDecider, stream);
      const planned = invitationDecider.decide(command, current, context.now); // refusals first
      const accept = onStream(invitationDecider, stream, command);
      if (planned[0]?.type !== 'InvitationAcceptanceDeferred') return [accept];
      const note = { type: 'NoteDeferredAcceptance' as const, invitationId };
      return [accept, onStream(customerVerificationDecider, verification, note)];
    },
    context,
  );
  return { response: responseFor(invitationId, accepted.state), position: accepted.position };
}

function responseFor(invitationId: string, state: InvitationState): AcceptInvitationResponse {
  if (state?.status === 'accepted' && state.accepted) {
    return {
      invitationId,
      status: 'accepted',
      vendorId: state.vendorId,
      customerCompanyId: state.accepted.customerCompanyId,
    };
  }
  return { invitationId, status: 'pending', awaiting: 'email_verification' };
}
