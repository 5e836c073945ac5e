import type { Mailing } from '../../../libs/platform/infrastructure/mailing.provider';

/**
 * What the sending slices need besides the command. An invitation email that
 * cannot be delivered is logged; the invitation stands and can be resent.
 */
export type InvitationDeps = Mailing;

export const DEFAULT_EXPIRES_IN_DAYS = 7;
