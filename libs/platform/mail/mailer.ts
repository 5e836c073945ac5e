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
}

export const MAILER = Symbol('MAILER');

/**
 * SMTP through nodemailer when `smtpUrl` is set; otherwise one `.eml` file per
 * message in `outboxDir`. Message bodies carry tokens, so they are never logged.
 * Building and delivering a message runs on a thread of its own.
 */
export function createMailer(options: TransportOptions): Mailer {
  return threadedMailer(options);
}
