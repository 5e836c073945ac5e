import type { MailProof } from './mail-spool';
import type { IntendedMail } from './intended-mails';
import type { MailQueue } from './mail-queue';
import type { MailMessage } from './mailer';

export interface PlannedMail {
  message: MailMessage;
  label: string;
  proof: MailProof;
}

/**
 * Runs `record`, the command that sends a mail, with the mail written down
 * just before its commit, through the `writeDown` it is given (the command
 * handler's `beforeAppend`): a command refused, or that records nothing,
 * writes nothing down. The mail is sent once `record` has recorded its proof
 * (and `sends` says the result mails), dropped when it mails nothing, and
 * checked against the event store when `record` throws after writing it down.
 * A crash between the commit and the mail spool used to lose the email; the
 * next start now sends what was written down, if its proof was recorded.
 * `mail` is asked for once, when it is written down.
 */
export async function recordThenMail<T>(
  mails: Pick<MailQueue, 'intend'>,
  mail: () => PlannedMail,
  record: (writeDown: () => Promise<void>) => Promise<T>,
  sends: (result: T) => boolean = () => true,
): Promise<T> {
  let intended: IntendedMail | undefined;
  const writeDown = async () => {
    if (intended) return; // written down by an earlier try of the command
    const { message, label, proof } = mail();
    intended = await mails.intend(message, label, proof);
  };
  let result: T;
  try {
    result = await record(writeDown);
  } catch (error) {
    // A refusal recorded nothing; a failure may have committed all the same (its answer lost).
    intended?.settle();
    throw error;
  }
  if (!intended) return result;
  if (sends(result)) intended.send();
  else intended.drop();
  return result;
}
