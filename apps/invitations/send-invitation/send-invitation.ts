import { randomUUID } from 'node:crypto';
import type { Principal } from '../../../libs/auth/principal';
import {
  handleCommands,
  onStream,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { acceptUrl, invitationEmail, invitationMailLabel } from '../http/invitation-email';
import { DEFAULT_EXPIRES_IN_DAYS, type InvitationDeps } from '../http/invitation-deps';
import { expiryFrom, invitationDecider } from '../invitation/decide';
import type { SendInvitation } from '../invitation/invitation.commands';
import { invitationStream } from '../invitation/invitation.events';
import { hashToken, newInvitationToken } from '../invitation/invitation-token';
import { asOneLine } from '../../../libs/platform/validation/single-line';
import { recordThenMail } from '../../../libs/platform/mail/record-then-mail';
import { pendingSlotClaim } from '../pending-slot/pending-slot-claim';
import type { SendInvitationRequest, SendInvitationResponse } from './send-invitation.dto';

/**
 * Records InvitationSent and the claim of the vendor+email slot in one commit
 * (the loser of a race is refused with 409, having written nothing, its email
 * included), then queues the email with the link, delivered after the answer. The token exists only in the email and in
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
  const vendorName = vendor.companyName && asOneLine(vendor.companyName);
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
    ...(vendorName ? { vendorName } : {}),
    tokenHash: hashToken(token),
    expiresInDays: input.expiresInDays ?? DEFAULT_EXPIRES_IN_DAYS,
  };
  const stream = invitationStream(invitationId);
  const slot = { vendorId: command.vendorId, email: command.email, invitationId };
  const link = acceptUrl(deps.publicUrl, invitationId, token);
  const mail = () => ({
    message: invitationEmail(
      command,
      link,
      expiryFrom(context.now, command.expiresInDays),
      command.vendorName,
    ),
    label: invitationMailLabel(invitationId),
    proof: { stream, tokenHash: command.tokenHash },
  });
  const [sent] = await recordThenMail(deps.mails, mail, (writeDown) =>
    handleCommands(
      deps.store,
      async (load) => [
        onStream(invitationDecider, stream, command),
        ...(await pendingSlotClaim(load, slot)),
      ],
      context,
      writeDown,
    ),
  );
  const { position, state } = sent;
  const expiresAt = state!.expiresAt;
  return {
    response: { invitationId, status: 'pending', email: command.email, expiresAt, acceptUrl: link },
    position,
  };
}
