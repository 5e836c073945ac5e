import type Database from 'better-sqlite3';
import {
  WrongExpectedRevisionError,
  type AppendResult,
  type ExpectedRevision,
} from '../event-store.port';
import { errorMessage } from '../../platform/errors/error-message';

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY, -- rowid: events are never deleted, so positions are never reused
    stream   TEXT    NOT NULL,
    revision INTEGER NOT NULL,
    event_id TEXT    NOT NULL,
    type     TEXT    NOT NULL,
    data     TEXT    NOT NULL,
    metadata TEXT    NOT NULL,
    UNIQUE (stream, revision)
  );`;

/** One stream's events as they cross to the writer: data and metadata already serialised. */
export interface StreamWrite {
  stream: string;
  expected: ExpectedRevision;
  events: Array<{ eventId: string; type: string; data: string; metadata: string }>;
}

/** One append: its streams are written together or not at all. */
export interface AppendRequest {
  streams: StreamWrite[];
}

export type AppendOutcome =
  | { ok: AppendResult[] }
  | { conflict: { stream: string; expected: ExpectedRevision; actual: number | 'no_stream' } }
  | { failure: string; locked?: true };

export function openWriteConnection(
  path: string,
  synchronous: 'full' | 'normal',
): Database.Database {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Sqlite = require('better-sqlite3') as typeof Database;
  const db = new Sqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  db.pragma('busy_timeout = 10000');
  db.exec(SCHEMA);
  return db;
}

/**
 * Commits a group of appends in one IMMEDIATE transaction (one fsync for all),
 * each in its own savepoint so a conflicting append fails alone.
 */
export function groupCommit(db: Database.Database): (requests: AppendRequest[]) => AppendOutcome[] {
  const lastRevision = db.prepare<[string], { revision: number | null }>(
    'SELECT max(revision) AS revision FROM events WHERE stream = ?',
  );
  const insert = db.prepare(
    'INSERT INTO events (stream, revision, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const write = (w: StreamWrite): AppendResult => {
    const current = lastRevision.get(w.stream)?.revision ?? null;
    checkExpected(w.stream, w.expected, current);
    let revision = current ?? -1;
    let position = 0n;
    for (const e of w.events) {
      revision += 1;
      const info = insert.run(w.stream, revision, e.eventId, e.type, e.data, e.metadata);
      position = BigInt(info.lastInsertRowid);
    }
    return { nextRevision: revision, position };
  };
  // A savepoint per append: a conflict on any of its streams undoes all of them.
  const one = db.transaction((r: AppendRequest): AppendResult[] => r.streams.map(write));
  const all = db.transaction((requests: AppendRequest[]) =>
    requests.map((r): AppendOutcome => {
      try {
        return { ok: one(r) };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        const { streamName: stream, expected, actual } = error;
        return { conflict: { stream, expected, actual } };
      }
    }),
  );
  return (requests) => {
    try {
      return all.immediate(requests);
    } catch (error) {
      const failure = errorMessage(error);
      const locked = (error as { code?: string }).code === 'SQLITE_BUSY' ? { locked: true } : {};
      return requests.map(() => ({ failure, ...locked }) as AppendOutcome);
    }
  };
}

function checkExpected(stream: string, expected: ExpectedRevision, current: number | null): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === null) ||
    (expected === 'stream_exists' && current !== null) ||
    (typeof expected === 'number' && current === expected);
  if (!ok) throw new WrongExpectedRevisionError(stream, expected, current ?? 'no_stream');
}
