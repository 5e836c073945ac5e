import { mailingProvider } from '../../../libs/platform/infrastructure/mailing.provider';

export const INVITATION_DEPS = Symbol('INVITATION_DEPS');

/** Invitation emails go through the service's spooled mail queue: a crash before delivery loses none. */
export const invitationDepsProvider = mailingProvider(INVITATION_DEPS, 'invitations');
