import type { MailMessage } from '../platform/mail/mailer';

/** A mail queue that puts in `sent` what it is asked to send, at once: for tests of the slices. */
export function memoryMails(sent: MailMessage[] = []) {
  return {
    sent,
    intend: async (message: MailMessage) => ({
      send: () => void sent.push(message),
      drop: () => undefined,
      settle: () => undefined,
    }),
    close: async () => undefined,
  };
}
