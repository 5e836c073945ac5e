import type { Mailer, MailMessage } from '../platform/mail/mailer';

/** A mail server that answers every message "try again later", keeping each one tried in `tried`. */
export function mailServerDown(): { mailer: Mailer; tried: MailMessage[] } {
  const tried: MailMessage[] = [];
  const mailer: Mailer = {
    send: async (m) => {
      tried.push(m);
      throw Object.assign(new Error('421 try again later'), { responseCode: 421 });
    },
    close: () => undefined,
  };
  return { mailer, tried };
}
