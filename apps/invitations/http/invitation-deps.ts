import type { EventStore } from '../../../libs/event-store';
import type { MailQueue } from '../../../libs/platform/mail/mail-queue';

/** What the sending slices need besides the command. */
export interface InvitationDeps {
  store: EventStore;
  /**
   * Invitation emails, delivered after the command is recorded and the caller
   * answered. One that cannot be delivered is logged; the invitation stands and can be resent.
   */
  mails: MailQueue;
  publicUrl: string;
}

export const DEFAULT_EXPIRES_IN_DAYS = 7;
