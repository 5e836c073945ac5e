import type { MailMessage } from '../platform/mail/mailer';

/**
 * A mail queue that puts in `sent` what it is asked to send, at once, and in `intended`
 * every mail written down before its command: for tests of the slices.
 */
export function memoryMails(sent: MailMessage[] = []) {
  const intended: MailMessage[] = [];
  return {
    sent,
    intended,
    intend: async (message: MailMessage) => {
      intended.push(message);
      return {
        send: () => void sent.push(message),
        drop: () => undefined,
        settle: () => undefined,
      };
    },
    close: async () => undefined,
  };
}
