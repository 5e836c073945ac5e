// The mail thread: builds and delivers messages with nodemailer, so the
// MIME work and the SMTP or file I/O stay off the services' event loop.
import { workerData } from 'node:worker_threads';
import { serveCalls } from '../workers/thread-calls';
import type { MailMessage } from './mailer';
import { createTransportMailer, type TransportOptions } from './transport-mailer';

const mailer = createTransportMailer(workerData as TransportOptions);

serveCalls(
  async (mail: MailMessage) => {
    await mailer.send(mail);
    return {};
  },
  () => mailer.close(),
);
