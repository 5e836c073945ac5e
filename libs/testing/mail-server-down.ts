import type { Mailer, MailMessage } from '../platform/mail/mailer';
import { metrics } from '../platform/observability/metrics';

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

/** Emails `service` dropped unsent as no longer wanted, across the process. */
export const emailsUnwanted = async (service: string): Promise<number> =>
  (await metrics.emails.get()).values.find(
    (v) => v.labels.service === service && v.labels.outcome === 'unwanted',
  )?.value ?? 0;
