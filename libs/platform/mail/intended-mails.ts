import { randomUUID } from 'node:crypto';
import type { MailIntent, MailIntents, MailProof } from './mail-spool';
import type { MailMessage } from './mailer';

/** A mail written down before its command commits: sent once it has, dropped if it did not. */
export interface IntendedMail {
  send(): void;
  drop(): void;
  /**
   * For a command that failed not knowing whether it committed (its answer lost): sends the
   * mail if its proof is recorded, drops it if not, and keeps it for the next start if the
   * event store cannot tell.
   */
  settle(): void;
}

export interface IntendedMailsOptions {
  /** Where mails are written down, and whether a command recorded a mail's proof. */
  intents?: { store: MailIntents; recorded: (proof: MailProof) => Promise<boolean> };
  /** Queues a message for delivery; `settles` names the intent its spooling removes. */
  enqueue: (message: MailMessage, label: string, settles?: string) => Promise<void>;
  /** Told when a mail could not be written down: it is sent from memory once recorded. */
  onWriteFailure?: (label: string, error: unknown) => void;
  /** Told when a mail an earlier run wrote down could not be checked: kept for the next start. */
  onCheckFailure?: (label: string, error: unknown) => void;
}

/**
 * The mail queue's side of mails written down before their commands commit:
 * writing one down, and at start sending those an earlier run left whose
 * commands recorded their proofs (dropping the rest).
 */
export function intendedMails(options: IntendedMailsOptions) {
  const { intents, enqueue } = options;
  return {
    async intend(message: MailMessage, label: string, proof: MailProof): Promise<IntendedMail> {
      const key = randomUUID();
      try {
        if (!intents) throw new Error('no spool to write mails down in');
        await intents.store.intend({ key, message, label, proof });
      } catch (error) {
        if (intents) options.onWriteFailure?.(label, error);
        const none = () => undefined;
        return { send: () => void enqueue(message, label), drop: none, settle: none };
      }
      const written = { key, message, label, proof };
      return {
        send: () => void enqueue(message, label, key),
        drop: () => void intents.store.dropIntent(key).catch(() => undefined),
        settle: () => void settle(written),
      };
    },

    /** Queues what an earlier run wrote down and its command recorded; how many. */
    async resume(): Promise<number> {
      if (!intents) return 0;
      let written: Awaited<ReturnType<MailIntents['intents']>>;
      try {
        written = await intents.store.intents();
      } catch (error) {
        options.onCheckFailure?.('mails written down before their commands', error);
        return 0;
      }
      let sent = 0;
      for (const intent of written) if (await settle(intent)) sent += 1;
      return sent;
    },
  };

  /** Queues a written-down mail whose command recorded its proof, drops it if not; whether queued. */
  async function settle({ key, message, label, proof }: MailIntent): Promise<boolean> {
    const { store, recorded } = intents!;
    try {
      if (!(await recorded(proof))) {
        await store.dropIntent(key);
        return false;
      }
    } catch (error) {
      options.onCheckFailure?.(label, error); // stays written down for the next start
      return false;
    }
    await enqueue(message, label, key);
    return true;
  }
}
