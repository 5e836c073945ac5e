import type { EventStore } from '../../../libs/event-store';
import type { MailQueue } from '../../../libs/platform/mail/mail-queue';

/** What the sending slices need besides the command. */
export interface InvitationDeps {
  store: EventStore;
  /**
   * Invitation emails, spooled to disk before the caller is answered and
   * delivered after. One that cannot be delivered is logged; the invitation
   * stands and can be resent.
   */
  mails: Pick<MailQueue, 'enqueue' | 'size' | 'close'>;
  publicUrl: string;
}

export const DEFAULT_EXPIRES_IN_DAYS = 7;
