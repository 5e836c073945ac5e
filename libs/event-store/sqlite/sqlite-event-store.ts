import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import { dirname, basename } from 'node:path';
import { catchUpSubscription } from '../catch-up-subscription';
import {
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.port';

export type SqliteSynchronous = 'full' | 'normal';

export interface SqliteEventStoreOptions {
  /** `full` (default) survives power loss; `normal` only process crashes. */
  synchronous?: SqliteSynchronous;
  /** Fallback wake-up for appends made by other processes, when the file watch misses one. */
  crossProcessPollMs?: number;
}

interface Row {
  position: bigint;
  stream: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

interface PendingAppend {
  stream: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

const SCHEMA = `
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

/**
 * Embedded event store on one SQLite file (WAL). Appends queued in the same
 * turn of the event loop are committed in one transaction (group commit), each
 * in its own savepoint so a conflicting append fails alone.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  private readonly watcher?: FSWatcher;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private readonly pollMs: number;

  private readonly lastRevision: Database.Statement<[string], { revision: number | null }>;
  private readonly insert: Database.Statement;
  private readonly selectStream: Database.Statement<[string, number], Row>;
  private readonly selectAll: Database.Statement<[bigint, number], Row>;
  private readonly selectHead: Database.Statement<[], { head: bigint | null }>;
  private readonly commitGroup: Database.Transaction<
    (items: PendingAppend[]) => Array<{ ok: AppendResult } | { error: unknown }>
  >;

  constructor(
    readonly path: string,
    options: SqliteEventStoreOptions = {},
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${(options.synchronous ?? 'full').toUpperCase()}`);
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(SCHEMA);
    this.appended.setMaxListeners(0);
    this.pollMs = options.crossProcessPollMs ?? 1000;

    this.lastRevision = this.db.prepare(
      'SELECT max(revision) AS revision FROM events WHERE stream = ?',
    );
    this.insert = this.db.prepare(
      'INSERT INTO events (stream, revision, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.selectStream = this.db
      .prepare('SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision')
      .safeIntegers(true) as never;
    this.selectAll = this.db
      .prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?')
      .safeIntegers(true) as never;
    this.selectHead = this.db
      .prepare('SELECT max(position) AS head FROM events')
      .safeIntegers(true) as never;

    const one = this.db.transaction(this.appendOne);
    this.commitGroup = this.db.transaction((items: PendingAppend[]) =>
      items.map((p) => {
        try {
          return { ok: one(p) };
        } catch (error) {
          return { error };
        }
      }),
    );

    if (path !== ':memory:') {
      // Another process's commit writes the -wal file, but publishes it through the mmapped
      // -shm index, which inotify does not see: so a change wakes readers now and again shortly after.
      const file = basename(path);
      this.watcher = watch(dirname(path), (_e, name) => {
        if (name?.startsWith(file)) this.wakeAfterForeignWrite();
      });
      this.watcher.unref();
    }
  }

  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    return new Promise((resolve, reject) => {
      this.pending.push({ stream, events, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private readonly appendOne = (p: PendingAppend): AppendResult => {
    const current = this.lastRevision.get(p.stream)?.revision ?? null;
    checkExpected(p.stream, p.expected, current);
    let revision = current ?? -1;
    let position = 0n;
    for (const e of p.events) {
      revision += 1;
      const info = this.insert.run(
        p.stream,
        revision,
        e.eventId,
        e.type,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata),
      );
      position = BigInt(info.lastInsertRowid);
    }
    return { nextRevision: revision, position };
  };

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    let outcomes: Array<{ ok: AppendResult } | { error: unknown }>;
    try {
      outcomes = this.commitGroup.immediate(batch);
    } catch (error) {
      batch.forEach((p) => p.reject(error));
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if ('ok' in o) p.resolve(o.ok);
      else p.reject(o.error);
    });
    this.appended.emit('append');
  }

  private wakeTimers = 0;
  private wakeAfterForeignWrite(): void {
    this.appended.emit('append');
    if (this.wakeTimers > 0) return;
    for (const ms of [5, 50, 250]) {
      this.wakeTimers += 1;
      setTimeout(() => {
        this.wakeTimers -= 1;
        this.appended.emit('append');
      }, ms).unref();
    }
  }

  async readStream(stream: string, fromRevision = 0): Promise<RecordedEvent[]> {
    return this.selectStream.all(stream, fromRevision).map(toRecorded);
  }

  async readAll({ after, maxCount }: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.selectAll.all(after, maxCount).map(toRecorded);
  }

  async headPosition(): Promise<bigint> {
    return this.selectHead.get()?.head ?? 0n;
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    return catchUpSubscription(
      {
        read: (after, maxCount) => this.readAll({ after, maxCount }),
        waitForAppend: (signal) => this.waitForAppend(signal),
      },
      options,
    );
  }

  private waitForAppend(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.appended.off('append', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.appended.on('append', done);
      signal.addEventListener('abort', done);
    });
  }

  async close(): Promise<void> {
    this.watcher?.close();
    if (this.db.open) this.db.close();
  }
}

function checkExpected(stream: string, expected: ExpectedRevision, current: number | null): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === null) ||
    (expected === 'stream_exists' && current !== null) ||
    (typeof expected === 'number' && current === expected);
  if (!ok) throw new WrongExpectedRevisionError(stream, expected, current ?? 'no_stream');
}

function toRecorded(row: Row): RecordedEvent {
  return {
    streamName: row.stream,
    revision: Number(row.revision),
    position: row.position,
    eventId: row.event_id,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
  };
}
