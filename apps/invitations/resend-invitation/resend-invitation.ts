import type { Principal } from '../../../libs/auth/principal';
import {
  handleCommand,
  loadState,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { acceptUrl, invitationEmail } from '../http/invitation-email';
import { DEFAULT_EXPIRES_IN_DAYS, type InvitationDeps } from '../http/invitation-deps';
import { invitationDecider } from '../invitation/decide';
import type { ResendInvitation } from '../invitation/invitation.commands';
import { invitationStream } from '../invitation/invitation.events';
import { hashToken, newInvitationToken } from '../invitation/invitation-token';
import { claimPendingSlot } from '../pending-slot/claim-pending-slot';
import type { ResendInvitationResponse } from './resend-invitation.dto';

/**
 * A new token and expiry for a pending or expired invitation. The invitation
 * must hold its vendor+email slot again, so resending an expired one while a
 * newer invitation to the same email is pending is refused with
 * `invitation_already_pending`.
 */
export async function resendInvitation(
  deps: InvitationDeps,
  vendor: Principal,
  invitationId: string,
  expiresInDays: number | undefined,
  context: CommandContext,
): Promise<{ response: ResendInvitationResponse; position?: bigint }> {
  const stream = invitationStream(invitationId);
  const token = newInvitationToken();
  const command: ResendInvitation = {
    type: 'ResendInvitation',
    vendorId: vendor.companyId,
    tokenHash: hashToken(token),
    expiresInDays: expiresInDays ?? DEFAULT_EXPIRES_IN_DAYS,
  };
  const { state: current } = await loadState(deps.store, invitationDecider, stream);
  invitationDecider.decide(command, current, context.now); // refusals come before the claim
  const { email } = current!;
  await claimPendingSlot(
    deps.store,
    { vendorId: vendor.companyId, email, invitationId, tokenHash: command.tokenHash },
    context,
  );
  const { state, position } = await handleCommand(
    deps.store,
    invitationDecider,
    stream,
    command,
    context,
  );
  const { expiresAt } = state!;
  const link = acceptUrl(deps.publicUrl, invitationId, token);
  await deps.mails.enqueue(invitationEmail(state!, link, expiresAt), `invitation ${invitationId}`);
  return { response: { invitationId, status: 'pending', expiresAt, acceptUrl: link }, position };
}
