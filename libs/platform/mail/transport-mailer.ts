import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Mailer } from './mailer';

export interface TransportOptions {
  smtpUrl?: string;
  outboxDir: string;
  from: string;
}

/** Bounds on one SMTP delivery, so a dead server fails the attempt instead of holding it for minutes. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** nodemailer on the calling thread: pooled SMTP connections, or `.eml` files in `outboxDir`. */
export function createTransportMailer(options: TransportOptions): Mailer {
  if (options.smtpUrl) {
    const transport = nodemailer.createTransport({
      url: options.smtpUrl,
      pool: true,
      ...SMTP_TIMEOUTS,
    });
    return {
      send: async (m) => void (await transport.sendMail({ from: options.from, ...m })),
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
  });
  const write = (name: string, message: Buffer) =>
    writeFile(join(options.outboxDir, name), message);
  return {
    async send(m) {
      const info = await transport.sendMail({ from: options.from, ...m });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`;
      // The outbox is created on first use (and again if it was removed), not checked per message.
      await write(name, info.message as Buffer).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        await mkdir(options.outboxDir, { recursive: true });
        await write(name, info.message as Buffer);
      });
    },
    close: () => transport.close(),
  };
}
