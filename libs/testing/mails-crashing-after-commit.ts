import { join } from 'node:path';
import type { EventStore } from '../event-store';
import { tokenRecordedIn } from '../platform/infrastructure/mailing.provider';
import { createMailQueue, type MailQueue } from '../platform/mail/mail-queue';
import { sqliteMailSpool } from '../platform/mail/mail-spool';
import type { Mailer, MailMessage } from '../platform/mail/mailer';

/**
 * The mails of a process that dies after each command's commit, before its mail reaches the
 * spool in `dir`; `restart` starts the next process's queue on the same spool, as a service
 * does, and resolves with what it delivers once nothing is left to send.
 */
export function mailsCrashingAfterCommit(dir: string, store: EventStore) {
  const spools: Array<ReturnType<typeof sqliteMailSpool>> = [];
  const open = (mailer: Mailer) => {
    const spool = sqliteMailSpool(join(dir, 'mail-spool.sqlite'));
    spools.push(spool);
    return createMailQueue(mailer, {
      spool,
      intents: { store: spool, recorded: tokenRecordedIn(store) },
      onGiveUp: () => undefined,
    });
  };
  const dying = open({ send: () => new Promise(() => undefined), close: () => undefined });
  const mails: Pick<MailQueue, 'intend' | 'close'> = {
    intend: async (...args) => ({ ...(await dying.intend(...args)), send: () => undefined }),
    close: async () => undefined,
  };
  return {
    mails,
    /** A queue of this process that delivers, into `delivered`, what it is given. */
    delivering(delivered: MailMessage[]): MailQueue {
      return open({ send: async (m) => void delivered.push(m), close: () => undefined });
    },
    async restart(): Promise<MailMessage[]> {
      const delivered: MailMessage[] = [];
      const next = open({ send: async (m) => void delivered.push(m), close: () => undefined });
      await next.resume();
      await next.close(); // delivers what it holds, and closes its spool
      spools.pop();
      return delivered;
    },
    close: async () => {
      for (const spool of spools) await spool.close();
    },
  };
}
