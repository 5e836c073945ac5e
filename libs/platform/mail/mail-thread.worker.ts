// The mail thread: builds and delivers messages with nodemailer, so the
// MIME work and the SMTP or file I/O stay off the services' event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { createTransportMailer, type TransportOptions } from './transport-mailer';
import type { MailMessage } from './mailer';

const mailer = createTransportMailer(workerData as TransportOptions);
let inFlight = 0;
let closing = false;

const finish = () => {
  mailer.close();
  parentPort!.close();
};

parentPort!.on('message', (message: { id: number; mail: MailMessage } | 'close') => {
  if (message === 'close') {
    closing = true;
    if (inFlight === 0) finish();
    return;
  }
  inFlight += 1;
  mailer
    .send(message.mail)
    .then(
      () => parentPort!.postMessage({ id: message.id }),
      (error: unknown) =>
        parentPort!.postMessage({
          id: message.id,
          error: (error as Error).message ?? String(error),
        }),
    )
    .finally(() => {
      inFlight -= 1;
      if (closing && inFlight === 0) finish();
    });
});
