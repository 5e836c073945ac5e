import { randomUUID } from 'node:crypto';
import type { Principal } from '../../../libs/auth/principal';
import {
  handleCommand,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { acceptUrl, invitationEmail } from '../http/invitation-email';
import { DEFAULT_EXPIRES_IN_DAYS, type InvitationDeps } from '../http/invitation-deps';
import { invitationDecider } from '../invitation/decide';
import type { SendInvitation } from '../invitation/invitation.commands';
import { invitationStream } from '../invitation/invitation.events';
import { hashToken, newInvitationToken } from '../invitation/invitation-token';
import { claimPendingSlot } from '../pending-slot/claim-pending-slot';
import type { SendInvitationRequest, SendInvitationResponse } from './send-invitation.dto';

/**
 * Claims the vendor+email slot (the loser of a race is refused here, having
 * written nothing), records InvitationSent, then queues the email with the
 * link, delivered after the answer. The token exists only in the email and in
 * the response.
 */
export async function sendInvitation(
  deps: InvitationDeps,
  vendor: Principal,
  input: SendInvitationRequest,
  context: CommandContext,
): Promise<{ response: SendInvitationResponse; position?: bigint }> {
  const invitationId = randomUUID();
  const token = newInvitationToken();
  const command: SendInvitation = {
    type: 'SendInvitation',
    invitationId,
    vendorId: vendor.companyId,
    invitedBy: vendor.userId,
    email: input.email,
    firstName: input.firstName,
    lastName: input.lastName,
    ...(input.businessName ? { businessName: input.businessName } : {}),
    ...(input.customerNumber ? { customerNumber: input.customerNumber } : {}),
    tokenHash: hashToken(token),
    expiresInDays: input.expiresInDays ?? DEFAULT_EXPIRES_IN_DAYS,
  };
  invitationDecider.decide(command, null, context.now); // a refusal must come before the claim
  await claimPendingSlot(
    deps.store,
    {
      vendorId: command.vendorId,
      email: command.email,
      invitationId,
      tokenHash: command.tokenHash,
    },
    context,
  );
  const { state, position } = await handleCommand(
    deps.store,
    invitationDecider,
    invitationStream(invitationId),
    command,
    context,
  );
  const expiresAt = state!.expiresAt;
  const link = acceptUrl(deps.publicUrl, invitationId, token);
  await deps.mails.enqueue(invitationEmail(command, link, expiresAt), `invitation ${invitationId}`);
  return {
    response: { invitationId, status: 'pending', email: command.email, expiresAt, acceptUrl: link },
    position,
  };
}
