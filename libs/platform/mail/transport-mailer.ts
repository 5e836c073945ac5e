import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import type { Mailer, MailMessage } from './mailer';
import { REFUSED_FOR_GOOD } from './refused-for-good';
import { makeDirectory } from '../fs/make-directory';

export interface TransportOptions {
  smtpUrl?: string;
  outboxDir: string;
  from: string;
}

/** Bounds on one SMTP delivery, so a dead server fails the attempt instead of holding it for minutes. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * nodemailer for the mail thread: pooled SMTP connections, or `.eml` files in
 * `outboxDir`. The outbox is written with blocking calls, which hold up only
 * other mail there and cost a third less than the promise API, whose open,
 * write and close each go to libuv's pool and back.
 */
export function createTransportMailer(options: TransportOptions): Mailer {
  const addressed = addressing(options.from);
  if (options.smtpUrl) {
    const transport = nodemailer.createTransport({
      url: options.smtpUrl,
      pool: true,
      ...SMTP_TIMEOUTS,
    });
    return {
      send: async (m) => {
        try {
          await transport.sendMail(addressed(m).mail);
        } catch (error) {
          throw refusedForGood(error) ?? error;
        }
      },
      close: () => transport.close(),
    };
  }
  const write = (name: string, message: string) => writeWhole(options.outboxDir, name, message);
  return {
    async send(m) {
      const { id, mail } = addressed(m);
      const message = await compose(mail);
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${id}.eml`;
      // The outbox is created on first use (and again if it was removed), not checked per message.
      try {
        write(name, message);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        makeDirectory(options.outboxDir);
        write(name, message);
      }
    },
    close: () => undefined,
  };
}

/**
 * A recipient address the server refused for good, as a failure named so: a
 * 5xx to RCPT with an address status (`5.1.x`: no such mailbox, a bad
 * address) will be answered again. Any other failure may pass later: a server
 * down, a 4xx, and a 5xx of the setup rather than the message (a login or a
 * relay refused, a quota: `5.7.x`, `530`), which an operator mends.
 */
function refusedForGood(error: unknown): Error | undefined {
  const { code, responseCode, response } = (error ?? {}) as {
    code?: string;
    responseCode?: number;
    response?: string;
  };
  const badAddress = /^5\d\d[ -]5\.1\.\d{1,3}\b/.test(response ?? '');
  if (code !== 'EENVELOPE' || !(Number(responseCode) >= 500) || !badAddress) return;
  return Object.assign(new Error((error as Error).message), { name: REFUSED_FOR_GOOD });
}

/**
 * Written aside and renamed into place, so the outbox never shows part of a
 * message (a full disk stops a write midway), and a failed write leaves
 * nothing behind to be read or sent twice. Not fsynced: the outbox is for
 * development, where power loss may lose a message delivered just before.
 */
function writeWhole(dir: string, name: string, message: string): void {
  const temporary = join(dir, `.${name}.tmp`);
  try {
    writeFileSync(temporary, message);
    renameSync(temporary, join(dir, name));
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * A message with its sender, and its Message-ID and MIME boundary from one
 * pooled UUID (which also names its outbox file). nodemailer otherwise draws
 * them from the CSPRNG in six calls, which cost a sixth of a message's CPU on
 * the mail thread. The Message-ID's domain is the sender's, as nodemailer
 * makes it.
 */
function addressing(from: string): (m: MailMessage) => { id: string; mail: Mail.Options } {
  const domain = addressparser(from, { flatten: true })[0]?.address.split('@')[1] || 'localhost';
  return (m) => {
    const id = randomUUID();
    const ids = { messageId: `<${id}@${domain}>`, baseBoundary: id.replaceAll('-', '') };
    return { id, mail: { from, ...ids, ...m } };
  };
}

/**
 * The message as nodemailer's transports would send it, with Unix line ends.
 * The composer alone costs half as much as a sendMail through a stream transport.
 */
function compose(mail: Mail.Options): Promise<string> {
  return new Promise((resolve, reject) =>
    new MailComposer(mail)
      .compile()
      .build((error, raw) =>
        error ? reject(error) : resolve(raw.toString('utf8').replace(/\r\n/g, '\n')),
      ),
  );
}
