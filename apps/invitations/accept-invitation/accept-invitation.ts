import type { Principal } from '../../../libs/auth/principal';
import type { EventStore } from '../../../libs/event-store';
import {
  handleCommand,
  loadState,
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
 * first noted on the customer's verification stream, so the EmailVerified
 * handler finds it; a verification recorded between that note and the
 * deferral is caught by the check after it. Refusals throw before anything
 * is written.
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
  const verified = async () =>
    !!(await loadState(store, customerVerificationDecider, verification)).state.verifiedAt;
  const accept = (emailVerified: boolean): AcceptInvitation => ({
    type: 'AcceptInvitation',
    tokenHash: hashToken(token),
    customer: {
      userId: customer.userId,
      companyId: customer.companyId,
      email: customer.email,
      emailVerified,
    },
  });

  let command = accept(customer.emailVerified || (await verified()));
  const { state: current } = await loadState(store, invitationDecider, stream);
  const planned = invitationDecider.decide(command, current, context.now);
  if (planned[0]?.type === 'InvitationAcceptanceDeferred') {
    const noted = await handleCommand(
      store,
      customerVerificationDecider,
      verification,
      { type: 'NoteDeferredAcceptance', invitationId },
      context,
    );
    if (noted.state.verifiedAt) command = accept(true);
  }
  const result = await handleCommand(store, invitationDecider, stream, command, context);
  let { state, position } = result;
  if (waitsFor(state, customer.userId) && (await verified())) {
    const completed = await handleCommand(
      store,
      invitationDecider,
      stream,
      { type: 'CompleteDeferredAcceptance', customerUserId: customer.userId },
      context,
    );
    state = completed.state;
    position = completed.position ?? position;
  }
  return { response: responseFor(invitationId, state), position };
}

const waitsFor = (state: InvitationState, userId: string) =>
  state?.status === 'pending' && state.deferred.some((d) => d.customerUserId === userId);

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
