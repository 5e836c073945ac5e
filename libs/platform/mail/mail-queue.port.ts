import type { IntendedMail, IntendedMailsOptions } from './intended-mails';
import type { MailProof, MailSpool } from './mail-spool';
import type { MailMessage } from './mailer';

/** How a service's mail queue behaves and tells of what becomes of its messages. */
export interface MailQueueOptions {
  /** Told when a message is given up; `label` names it (never its body, which may carry a token). */
  onGiveUp: (label: string, error: unknown) => void;
  /** Told when a message is delivered. */
  onDelivered?: (label: string) => void;
  /** Told when a message not delivered yet is dropped for a newer one of the same label. */
  onSuperseded?: (label: string) => void;
  /** Told when a message not delivered yet is dropped as its stream no longer wants it (`stillWanted`). */
  onUnwanted?: (label: string) => void;
  /**
   * Asked before each attempt of a message its command recorded `proof` for: whether the
   * stream still wants it sent (its invitation still pending, its link the latest). One no
   * longer wanted is dropped; a check that fails sends it (`onWantedCheckFailure`).
   */
  stillWanted?: (proof: MailProof) => Promise<boolean>;
  /** Told when `stillWanted` failed (the event store down): the message is sent unchecked. */
  onWantedCheckFailure?: (label: string, error: unknown) => void;
  /** Told when an attempt failed and the message will be tried again. */
  onRetry?: (label: string, attempt: number, error: unknown) => void;
  /** Attempts per message at most; unlimited by default (see `retryForMs`). */
  attempts?: number;
  /** Wait before the first retry; each later one waits twice as long, up to `maxRetryDelayMs`. */
  firstRetryDelayMs?: number;
  /** Longest wait between two attempts: 5 minutes by default. */
  maxRetryDelayMs?: number;
  /**
   * How long a message that keeps failing is tried again: 24 hours by default, so a mail
   * server down for a while delays the emails rather than losing them. A failure that
   * sending again cannot mend (`isRefusedForGood`) gives the message up at once.
   */
  retryForMs?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /**
   * Messages held in memory at most. Past this, with a spool, the others wait
   * on disk and are taken in as room frees; without one, `enqueue` waits.
   */
  capacity?: number;
  /** How long `close` keeps delivering before it gives up (or, spooled, keeps) what is left. */
  closeTimeoutMs?: number;
  /**
   * Told at close of deliveries still under way when it gave up waiting: spooled, each is
   * sent again by the next start if the server took it meanwhile.
   */
  onCutShort?: (deliveries: number) => void;
  /**
   * Keeps each message on disk until it is delivered or given up, so a crash
   * loses none: `resume` delivers what an earlier run left.
   */
  spool?: MailSpool;
  /** Told when a message could not be spooled and is held in memory only. */
  onSpoolFailure?: (label: string, error: unknown) => void;
  /**
   * Told when a mail could not be written down before its command: a crash before it is
   * spooled would lose it. It is still spooled, or sent from memory, once recorded.
   */
  onIntentWriteFailure?: (label: string, error: unknown) => void;
  /**
   * Where mails are written down before their command commits, and how to tell whether the
   * command that wrote one down recorded its proof.
   */
  intents?: IntendedMailsOptions['intents'];
  /** Told when a written-down mail could not be checked against the event store: checked again later. */
  onIntentCheckFailure?: (label: string, error: unknown) => void;
  /** Told when the spool could not be read; it is read again after `retryInMs`. */
  onSpoolReadFailure?: (error: unknown, retryInMs: number) => void;
  /**
   * Told when sent or given-up messages could not be removed from the spool: tried again
   * after `retryInMs`, or, without it, left there at close for the next run to send again.
   */
  onSpoolRemoveFailure?: (error: unknown, retryInMs?: number) => void;
}

export interface MailQueue {
  /** Takes a message for delivery in the background; resolves once it is spooled (or there is room). */
  enqueue(message: MailMessage, label: string): Promise<void>;
  /**
   * Writes a message down before the command that sends it commits; resolves once it is on
   * disk. Then `send` once the command recorded `proof`, or `drop`. After a crash in between,
   * the next start sends it only if `proof` is recorded.
   */
  intend(message: MailMessage, label: string, proof: MailProof): Promise<IntendedMail>;
  /** Messages not delivered or given up yet. */
  size(): number;
  /**
   * Messages accepted and not delivered or given up yet, wherever they wait: held in memory,
   * waiting for room there, or on disk only (past `capacity`, or left by an earlier run and
   * not taken in yet), which the spool is asked.
   */
  waiting(): Promise<number>;
  /**
   * Queues what the spool holds from an earlier run, and the mails it wrote down whose commands
   * recorded their proofs; how many. Call once, before sending.
   */
  resume(): Promise<number>;
  /**
   * Delivers what is held: messages waiting for a retry are tried at once,
   * without further retries. Resolves when nothing is left, or after
   * `closeTimeoutMs`, giving up the rest.
   */
  close(): Promise<void>;
}
