import type { MailProof } from './mail-spool';
import type { MailQueue } from './mail-queue';
import type { MailMessage } from './mailer';

/**
 * Runs `record`, the command that sends `message`, with the message written down first:
 * sent once `record` has recorded `proof` (and `sends` says the result mails), dropped when
 * it mails nothing, and checked against the event store when it throws. A crash between the commit and the mail spool used to lose the
 * email; the next start now sends what was written down, if its proof was recorded.
 */
export async function recordThenMail<T>(
  mails: Pick<MailQueue, 'intend'>,
  mail: { message: MailMessage; label: string; proof: MailProof },
  record: () => Promise<T>,
  sends: (result: T) => boolean = () => true,
): Promise<T> {
  const intended = await mails.intend(mail.message, mail.label, mail.proof);
  let result: T;
  try {
    result = await record();
  } catch (error) {
    // A refusal recorded nothing; a failure may have committed all the same (its answer lost).
    intended.settle();
    throw error;
  }
  if (sends(result)) intended.send();
  else intended.drop();
  return result;
}
