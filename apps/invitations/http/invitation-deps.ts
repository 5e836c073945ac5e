import type { EventStore } from '../../../libs/event-store';
import type { Mailer } from '../../../libs/platform/mail/mailer';

/** What the sending slices need besides the command. */
export interface InvitationDeps {
  store: EventStore;
  mailer: Mailer;
  publicUrl: string;
  /** Told when an invitation email could not be sent; the invitation stands and can be resent. */
  onMailFailure: (invitationId: string, error: unknown) => void;
}

export const DEFAULT_EXPIRES_IN_DAYS = 7;
