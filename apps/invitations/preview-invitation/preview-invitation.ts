import type { EventStore } from '../../../libs/event-store';
import { loadState } from '../../../libs/platform/command-handling/command-handler';
import { invitationDecider } from '../invitation/decide';
import { linkOf } from '../invitation/decide-accept';
import { invitationStream } from '../invitation/invitation.events';
import { isExpired } from '../invitation/invitation.state';
import { hashToken } from '../invitation/invitation-token';
import type { InvitationPreviewResponse } from './preview-invitation.dto';

/**
 * The invitation as its link shows it, so a front end can say who invites
 * before the customer logs in or registers (and with which address). The link
 * is judged as accepting it would be: not one of this invitation's, 404
 * `invitation_invalid`; an older one, 410 `invitation_link_superseded`; and
 * past its expiry it reads expired, as accepting would answer. Reads only; the
 * token is the credential, as it is for accepting. The address is shown masked:
 * enough to tell which account to use, not to learn it from a forwarded link.
 */
export async function previewInvitation(
  store: EventStore,
  invitationId: string,
  token: string,
  now: Date,
): Promise<InvitationPreviewResponse> {
  const { state } = await loadState(store, invitationDecider, invitationStream(invitationId));
  const invitation = linkOf(state, hashToken(token)).current();
  return {
    invitationId: invitation.invitationId,
    status: isExpired(invitation, now) ? 'expired' : invitation.status,
    vendorId: invitation.vendorId,
    vendorName: invitation.vendorName ?? null,
    email: masked(invitation.email),
    expiresAt: invitation.expiresAt,
  };
}

/** `carl@customer.example` → `c***@customer.example`. */
function masked(email: string): string {
  const at = email.lastIndexOf('@');
  return `${[...email.slice(0, at)][0] ?? ''}***${email.slice(at)}`;
}
