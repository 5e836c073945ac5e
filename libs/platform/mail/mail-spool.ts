import { restartingThread } from '../workers/thread-calls';
import type { MailMessage } from './mailer';

export interface SpooledMail {
  id: number;
  message: MailMessage;
  label: string;
  /** The key it was saved under (none for a message spooled before keys). */
  key?: string;
  /** What its command recorded, to tell whether it is still wanted (none for one spooled before). */
  proof?: MailProof;
}

/** A spooled message, by its id, or by the key it was saved under when its save went unanswered. */
export type SpoolPlace = { id: number } | { key: string };

/** What a mail intended before a command's commit needs recorded to be sent: its token, on its stream. */
export interface MailProof {
  stream: string;
  tokenHash: string;
}

export interface MailIntent {
  key: string;
  message: MailMessage;
  label: string;
  proof: MailProof;
}

/**
 * Mails written down before the command that sends them commits, so that a
 * crash between the commit and the spool loses none: a save that `settles` an
 * intent removes it in the same commit, and what a crash left is sent at the
 * next start only if its proof was recorded.
 */
export interface MailIntents {
  intend(intent: MailIntent): Promise<void>;
  dropIntent(key: string): Promise<void>;
  intents(): Promise<MailIntent[]>;
}

/**
 * Mail accepted for delivery and not delivered yet, kept on disk: saved
 * before the caller is answered, removed once delivered or given up, and
 * read back when the service starts again after a crash.
 */
export interface MailSpool {
  /**
   * Where the message is kept; saving the same `key` again finds the same place. The intent
   * keyed `settles`, if any, goes in the same commit.
   */
  save(
    message: MailMessage,
    label: string,
    key: string,
    settles?: string,
    proof?: MailProof,
  ): Promise<number>;
  /** Removes the message, if it is there. */
  remove(place: SpoolPlace): Promise<void>;
  /** Spooled messages in id order: after `afterId`, at most `limit`. */
  pending(afterId?: number, limit?: number): Promise<SpooledMail[]>;
  /** How many spooled messages there are after `afterId` (for a gauge: a spool may not say). */
  count?(afterId: number): Promise<number>;
  close(): Promise<void>;
}

export type SpoolCall =
  | {
      op: 'save';
      message: MailMessage;
      label: string;
      key: string;
      settles?: string;
      proof?: MailProof;
    }
  | ({ op: 'remove' } & SpoolPlace)
  | { op: 'pending'; afterId: number; limit: number }
  | { op: 'count'; afterId: number }
  | ({ op: 'intend' } & MailIntent)
  | { op: 'drop-intent'; key: string }
  | { op: 'intents' };

/** (`id` names the call itself on the way back, so the spool's id travels as `spooled`.) */
export interface SpoolReply {
  spooled?: number;
  pending?: SpooledMail[];
  count?: number;
  intents?: MailIntent[];
}

/**
 * A spool in a SQLite file, written by a thread of its own: saves that arrive
 * together share one commit (and fsync), and the event loop never waits on the
 * disk. The thread is started again if it dies.
 */
export function sqliteMailSpool(path: string): MailSpool & MailIntents {
  const { call, close } = restartingThread<SpoolCall, SpoolReply>(
    __dirname,
    'mail-spool',
    { path },
    { gather: true },
  );
  return {
    save: async (message, label, key, settles, proof) =>
      (await call({ op: 'save', message, label, key, settles, proof })).spooled!,
    remove: async (place) => void (await call({ op: 'remove', ...place })),
    pending: async (afterId = 0, limit = Number.MAX_SAFE_INTEGER) =>
      (await call({ op: 'pending', afterId, limit })).pending ?? [],
    count: async (afterId) => (await call({ op: 'count', afterId })).count ?? 0,
    intend: async (intent) => void (await call({ op: 'intend', ...intent })),
    dropIntent: async (key) => void (await call({ op: 'drop-intent', key })),
    intents: async () => (await call({ op: 'intents' })).intents ?? [],
    close,
  };
}
