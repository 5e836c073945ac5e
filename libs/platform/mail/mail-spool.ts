import { restartingThread } from '../workers/thread-calls';
import type { MailMessage } from './mailer';

export interface SpooledMail {
  id: number;
  message: MailMessage;
  label: string;
  /** The key it was saved under (none for a message spooled before keys). */
  key?: string;
}

/** A spooled message, by its id, or by the key it was saved under when its save went unanswered. */
export type SpoolPlace = { id: number } | { key: string };

/**
 * Mail accepted for delivery and not delivered yet, kept on disk: saved
 * before the caller is answered, removed once delivered or given up, and
 * read back when the service starts again after a crash.
 */
export interface MailSpool {
  /** Where the message is kept; saving the same `key` again finds the same place. */
  save(message: MailMessage, label: string, key: string): Promise<number>;
  /** Removes the message, if it is there. */
  remove(place: SpoolPlace): Promise<void>;
  /** Spooled messages in id order: after `afterId`, at most `limit`. */
  pending(afterId?: number, limit?: number): Promise<SpooledMail[]>;
  close(): Promise<void>;
}

export type SpoolCall =
  | { op: 'save'; message: MailMessage; label: string; key: string }
  | ({ op: 'remove' } & SpoolPlace)
  | { op: 'pending'; afterId: number; limit: number };

/** (`id` names the call itself on the way back, so the spool's id travels as `spooled`.) */
export interface SpoolReply {
  spooled?: number;
  pending?: SpooledMail[];
}

/**
 * A spool in a SQLite file, written by a thread of its own: saves that arrive
 * together share one commit (and fsync), and the event loop never waits on the
 * disk. The thread is started again if it dies.
 */
export function sqliteMailSpool(path: string): MailSpool {
  const { call, close } = restartingThread<SpoolCall, SpoolReply>(
    __dirname,
    'mail-spool',
    { path },
    { gather: true },
  );
  return {
    save: async (message, label, key) => (await call({ op: 'save', message, label, key })).spooled!,
    remove: async (place) => void (await call({ op: 'remove', ...place })),
    pending: async (afterId = 0, limit = Number.MAX_SAFE_INTEGER) =>
      (await call({ op: 'pending', afterId, limit })).pending ?? [],
    close,
  };
}
