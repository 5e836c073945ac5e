import {
  mailingProvider,
  wantedWhile,
} from '../../../libs/platform/infrastructure/mailing.provider';
import { invitationDecider } from '../invitation/decide';
import { emailStillWanted } from '../invitation/invitation.state';

export const INVITATION_DEPS = Symbol('INVITATION_DEPS');

/**
 * Invitation emails go through the service's spooled mail queue: a crash before delivery loses
 * none, and one whose invitation was cancelled, resent or expired meanwhile is not sent.
 */
export const invitationDepsProvider = mailingProvider(
  INVITATION_DEPS,
  'invitations',
  wantedWhile(invitationDecider, emailStillWanted),
);
