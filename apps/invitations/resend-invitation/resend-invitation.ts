import type { Principal } from '../../../libs/auth/principal';
import {
  handleCommands,
  onStream,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { recordThenMail } from '../../../libs/platform/mail/record-then-mail';
import { acceptUrl, invitationEmail, invitationMailLabel } from '../http/invitation-email';
import { DEFAULT_EXPIRES_IN_DAYS, type InvitationDeps } from '../http/invitation-deps';
import { expiryFrom, invitationDecider } from '../invitation/decide';
import type { ResendInvitation } from '../invitation/invitation.commands';
import type { Invitation } from '../invitation/invitation.state';
import { invitationStream } from '../invitation/invitation.events';
import { hashToken, newInvitationToken } from '../invitation/invitation-token';
import { pendingSlotClaim } from '../pending-slot/pending-slot-claim';
import type { ResendInvitationResponse } from './resend-invitation.dto';

/**
 * A new token and expiry for a pending or expired invitation, recorded in one
 * commit with the invitation's claim of its vendor+email slot: it must hold
 * the slot again, so resending an expired one while a
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
  const link = acceptUrl(deps.publicUrl, invitationId, token);
  let invited: Invitation | null = null;
  // Who it goes to never changes once the invitation is sent: the email is made from the
  // invitation as the command read it, and written down only if the command is to be recorded.
  const mail = () => ({
    message: invitationEmail(
      invited!,
      link,
      expiryFrom(context.now, command.expiresInDays),
      vendor.companyName ?? invited!.vendorName,
    ),
    label: invitationMailLabel(invitationId),
    proof: { stream, tokenHash: command.tokenHash },
  });
  const [resent] = await recordThenMail(deps.mails, mail, (writeDown) =>
    handleCommands(
      deps.store,
      async (load) => {
        const { state: current } = await load(invitationDecider, stream);
        invitationDecider.decide(command, current, context.now); // refusals come before the slot
        invited = current;
        const slot = { vendorId: vendor.companyId, email: current!.email, invitationId };
        return [
          onStream(invitationDecider, stream, command),
          ...(await pendingSlotClaim(load, slot)),
        ];
      },
      context,
      writeDown,
    ),
  );
  const { position, state } = resent;
  const { expiresAt } = state!;
  return { response: { invitationId, status: 'pending', expiresAt, acceptUrl: link }, position };
}
