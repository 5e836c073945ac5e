import { restartingThread } from '../workers/thread-calls';
import type { Mailer, MailMessage } from './mailer';
import type { TransportOptions } from './transport-mailer';

/**
 * A Mailer whose messages are built and delivered on a worker thread (about a
 * millisecond of CPU each, mostly MIME building). The thread starts with the
 * first message and is started again if it dies; a message in flight when it
 * dies fails, for the caller to retry.
 */
export function threadedMailer(options: TransportOptions): Mailer {
  const thread = restartingThread<MailMessage, object>(__dirname, 'mail-thread', options, {
    gather: true,
  });
  return {
    async send(mail: MailMessage) {
      await thread.call(mail);
    },
    close() {
      // The thread finishes the messages it holds, then closes its transport and exits.
      void thread.close();
    },
  };
}
