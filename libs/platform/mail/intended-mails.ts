import { randomUUID } from 'node:crypto';
import { backoffMs, type Backoff } from '../retry/backoff';
import type { MailIntent, MailIntents, MailProof } from './mail-spool';
import type { MailMessage } from './mailer';

/** A mail written down before its command commits: sent once it has, dropped if it did not. */
export interface IntendedMail {
  send(): void;
  drop(): void;
  /**
   * For a command that failed not knowing whether it committed (its answer lost): sends the
   * mail if its proof is recorded, drops it if not, and checks again later if the event store
   * cannot tell.
   */
  settle(): void;
}

export interface IntendedMailsOptions {
  /** Where mails are written down, and whether a command recorded a mail's proof. */
  intents?: { store: MailIntents; recorded: (proof: MailProof) => Promise<boolean> };
  /**
   * Queues a message for delivery; `settles` names the intent its spooling removes, and `proof`
   * what its command recorded (checked before each attempt: see `stillWanted`).
   */
  enqueue: (
    message: MailMessage,
    label: string,
    settles: string | undefined,
    proof: MailProof,
  ) => Promise<void>;
  /** Told when a mail could not be written down: it is queued as any other once recorded. */
  onWriteFailure?: (label: string, error: unknown) => void;
  /** Told when a written-down mail could not be checked against the event store: tried again later. */
  onCheckFailure?: (label: string, error: unknown) => void;
  /** Work the queue's close must wait for. */
  track: (work: Promise<unknown>) => void;
  /** Whether the queue is closing: no check is tried again then (the next start does). */
  closing: () => boolean;
}

/** Waits between checks of a written-down mail the event store could not answer for. */
const CHECK_RETRY: Backoff = { firstMs: 1_000, maxMs: 30_000 };

/**
 * The mail queue's side of mails written down before their commands commit:
 * writing one down, and at start sending those an earlier run left whose
 * commands recorded their proofs (dropping the rest).
 */
export function intendedMails(options: IntendedMailsOptions) {
  const { intents, enqueue } = options;
  // This run's keys begin so: a read of what earlier runs left, retried while this one serves,
  // passes over its own, whose commands are in flight (sent twice, or dropped before commit).
  const thisRun = `${randomUUID()}.`;
  return {
    async intend(message: MailMessage, label: string, proof: MailProof): Promise<IntendedMail> {
      const key = thisRun + randomUUID();
      try {
        if (!intents) throw new Error('no spool to write mails down in');
        await intents.store.intend({ key, message, label, proof });
      } catch (error) {
        if (intents) options.onWriteFailure?.(label, error);
        const none = () => undefined;
        // Tracked as any send, so a stop waits for it to be spooled.
        const send = () => options.track(enqueue(message, label, undefined, proof));
        return { send, drop: none, settle: none };
      }
      const written = { key, message, label, proof };
      return {
        send: () => options.track(enqueue(message, label, key, proof)),
        drop: () => void intents.store.dropIntent(key).catch(() => undefined),
        settle: () => options.track(settle(written)),
      };
    },

    /** Queues what an earlier run wrote down and its command recorded; how many. */
    resume: (): Promise<number> => resume(),
  };

  /**
   * Tries `work` again after the `failures`-th wait, while the queue runs: once it closes,
   * the next start does.
   */
  function later(failures: number, work: () => Promise<unknown>): void {
    if (options.closing()) return;
    const again = () => {
      if (!options.closing()) options.track(work());
    };
    setTimeout(again, backoffMs(CHECK_RETRY, failures)).unref();
  }

  /** One the spool cannot read now is read again later, while the queue runs, as a check is. */
  async function resume(failures = 0): Promise<number> {
    if (!intents) return 0;
    let written: MailIntent[];
    try {
      written = await intents.store.intents();
    } catch (error) {
      options.onCheckFailure?.('mails written down before their commands', error);
      later(failures, () => resume(failures + 1));
      return 0;
    }
    let sent = 0;
    for (const intent of written) {
      if (!intent.key.startsWith(thisRun) && (await settle(intent))) sent += 1;
    }
    return sent;
  }

  /**
   * Queues a written-down mail whose command recorded its proof, drops it if not; whether
   * queued. One the event store cannot answer for is checked again later, while the queue runs.
   */
  async function settle(intent: MailIntent, failures = 0): Promise<boolean> {
    const { key, message, label, proof } = intent;
    const { store, recorded } = intents!;
    try {
      if (!(await recorded(proof))) {
        await store.dropIntent(key);
        return false;
      }
    } catch (error) {
      options.onCheckFailure?.(label, error);
      later(failures, () => settle(intent, failures + 1));
      return false;
    }
    await enqueue(message, label, key, proof);
    return true;
  }
}
