import { redactCredentials } from '../config/config-error';
import { threadedMailer } from './mail-thread';
import type { TransportOptions } from './transport-mailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Resolves once the message is delivered (handed to SMTP, or written to the outbox). */
  send(message: MailMessage): Promise<void>;
  close(): void;
  /**
   * Where messages go, as a log line names it: the setting to mend first, credentials hidden
   * (`SMTP_URL: the mail server at smtp://***@mail.example:587`).
   */
  readonly destination?: string;
}

export const MAILER = Symbol('MAILER');

/**
 * SMTP through nodemailer when `smtpUrl` is set; otherwise one `.eml` file per
 * message in `outboxDir`. Message bodies carry tokens, so they are never logged.
 * Building and delivering a message runs on a thread of its own.
 */
export function createMailer(options: TransportOptions): Mailer {
  return { ...threadedMailer(options), destination: destinationOf(options) };
}

/** Where `options` sends messages, for `Mailer.destination`. */
export const destinationOf = ({ smtpUrl, outboxDir }: TransportOptions): string =>
  smtpUrl
    ? `SMTP_URL: the mail server at ${redactCredentials(smtpUrl)}`
    : `the outbox at ${outboxDir} (SMTP_URL unset)`;
