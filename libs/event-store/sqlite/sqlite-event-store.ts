import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { dirname } from 'node:path';
import { catchUpSubscription } from '../catch-up-subscription';
import {
  atCommitEnd,
  checkAppends,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.port';
import { CommitQueue } from './commit-queue';
import { FileWritesWatch } from './file-writes-watch';
import { ReadBatcher } from './read-batcher';
import { RecentEvents, type RangeQuery, type Row } from './recent-events';
import { SCHEMA, type AppendRequest } from './sqlite-group-commit';
import { createWriter, inlineWriter, type SqliteWriter } from './sqlite-writer';
import { OpenSubscriptions } from '../open-subscriptions';
import { checkingFailures } from './committed-despite-failure';
import { makeDirectory } from '../../platform/fs/make-directory';

export type SqliteSynchronous = 'full' | 'normal';

export interface SqliteEventStoreOptions {
  /** `full` (default) survives power loss; `normal` only process crashes. */
  synchronous?: SqliteSynchronous;
  /** Fallback wake-up for appends made by other processes, when the file watch misses one. */
  crossProcessPollMs?: number;
  /** Told once if the directory cannot be watched, so other processes' appends are only polled for. */
  warn?: (message: string) => void;
}

/** Rows a filtered subscription read walks at most (positions here are consecutive). */
const FILTERED_SCAN_SPAN = 50_000n;

/** The columns of a `Row`, in its order: arrays are cheaper to build than an object per row. */
const COLUMNS = 'position, stream, revision, event_id, type, data, metadata';

/**
 * Embedded event store on one SQLite file (WAL). Concurrent appends are
 * committed by a writer thread in groups (`CommitQueue`): while one group's
 * fsync runs, the next one gathers, so writers share fsyncs and the main
 * thread keeps serving. What this process committed last is kept in memory
 * for the subscribers that follow the head (`RecentEvents`).
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly writer: SqliteWriter;
  private readonly commits: CommitQueue;
  private readonly appended = new EventEmitter();
  private readonly watch?: FileWritesWatch;
  private readonly recent = new RecentEvents();
  private readonly reads: ReadBatcher;
  private readonly subscriptions = new OpenSubscriptions();
  /** The head last seen holding another process's events. */
  private foreignHead = 0n;
  private readonly pollMs: number;

  private readonly selectStream: Database.Statement<[string, number], Row>;
  private readonly selectLast: Database.Statement<[string], Row>;
  private readonly selectAll: Database.Statement<[bigint, number], Row>;
  private readonly selectRange: Database.Statement<
    [{ after: bigint; until: bigint; types: string | null; max: number }],
    Row
  >;
  private readonly selectHead: Database.Statement<[], { head: bigint | null }>;

  constructor(
    readonly path: string,
    options: SqliteEventStoreOptions = {},
  ) {
    const synchronous = options.synchronous ?? 'full';
    if (path !== ':memory:') makeDirectory(dirname(path));
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(SCHEMA);
    this.reads = new ReadBatcher(this.db);
    const inline = inlineWriter(this.db);
    this.writer =
      path === ':memory:' ? inline : checkingFailures(createWriter(path, synchronous), this.db);
    this.commits = new CommitQueue(
      { inline, thread: this.writer },
      (request, results) => this.recent.add(request, results),
      () => this.notifyAppend(),
    );
    this.appended.setMaxListeners(0);
    this.pollMs = options.crossProcessPollMs ?? 1000;

    this.selectStream = this.db
      .prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision`)
      .safeIntegers(true)
      .raw(true) as never;
    // The (stream, revision) index walked backwards: one row, however long the stream.
    this.selectLast = this.db
      .prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1`)
      .safeIntegers(true)
      .raw(true) as never;
    this.selectAll = this.db
      .prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
      .safeIntegers(true)
      .raw(true) as never;
    // Types travel as a JSON array (or null for all), so one statement serves any list.
    this.selectRange = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM events WHERE position > @after AND position <= @until
           AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
         ORDER BY position LIMIT @max`,
      )
      .safeIntegers(true)
      .raw(true) as never;
    this.selectHead = this.db
      .prepare('SELECT max(position) AS head FROM events')
      .safeIntegers(true) as never;

    if (path !== ':memory:') {
      const warn = options.warn ?? ((message: string) => console.warn(message));
      this.watch = new FileWritesWatch(
        path,
        () => this.wakeIfForeign(),
        (error) =>
          warn(
            `event store: cannot watch ${dirname(path)} (${error.message}); ` +
              `other processes' appends are noticed every ${this.pollMs} ms`,
          ),
      );
    }
  }

  async append(
    stream: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const [result] = await this.appendToStreams([{ streamName: stream, events, expected }]);
    return result;
  }

  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    checkAppends(appends);
    const request: AppendRequest = {
      streams: appends.map(({ streamName, events, expected }) => ({
        stream: streamName,
        expected,
        events: events.map((e) => ({
          eventId: e.eventId,
          type: e.type,
          data: JSON.stringify(e.data),
          metadata: JSON.stringify(e.metadata),
        })),
      })),
    };
    // Every stream gets the commit's last position, so waiting for any covers it.
    return atCommitEnd(await this.commits.enqueue(request));
  }

  /** Appends heard of: this process's commits, and wake-ups for other processes' writes. */
  private appendCount = 0;
  private notifyAppend(): void {
    this.appendCount += 1;
    this.appended.emit('append');
  }

  /** Wakes readers when the file holds events this process did not commit (and has not told of). */
  private wakeIfForeign(): void {
    if (!this.db.open) return;
    let head: bigint;
    try {
      head = this.fileHead();
    } catch {
      // Called from the watch's timer, where a throw ended the process (a failing disk, a
      // damaged page). The readers woken read the file themselves and meet the failure where it
      // is answered: a 503, a subscription that starts again.
      return this.notifyAppend();
    }
    if (head > this.ownEnd() && head > this.foreignHead) {
      this.foreignHead = head;
      this.notifyAppend();
    }
  }

  readStream(stream: string, fromRevision = 0): Promise<RecordedEvent[]> {
    return this.reads.read(() => this.selectStream.all(stream, fromRevision).map(toRecorded));
  }

  /** From the file, as `readStream`: the writer commits there before an append is answered. */
  readLastEvent(stream: string): Promise<RecordedEvent | undefined> {
    return this.reads.read(() => {
      const row = this.selectLast.get(stream);
      return row && toRecorded(row);
    });
  }

  /** Reads what this process committed last from memory, and the rest from the file. */
  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    // Positions here are consecutive integers: at or after p is after p − 1.
    const query =
      options.inclusive && options.after > 0n ? { ...options, after: options.after - 1n } : options;
    // A wake-up with nothing new (the file watch fires on this process's own writes too).
    if (query.until !== undefined && query.until <= query.after) return [];
    const recent = this.recent.read(query);
    if (!recent) return this.readRows(query).map(toRecorded);
    const { rows, readOnFrom } = recent;
    if (readOnFrom === undefined) return rows.map(toRecorded);
    const rest = this.readRows({
      ...query,
      after: readOnFrom,
      maxCount: query.maxCount - rows.length,
    });
    return rows.concat(rest).map(toRecorded);
  }

  private readRows({ after, maxCount, types, until }: RangeQuery): Row[] {
    if (!types && until === undefined) return this.selectAll.all(after, maxCount);
    return this.selectRange.all({
      after,
      until: until ?? BigInt(Number.MAX_SAFE_INTEGER),
      types: types ? JSON.stringify(types) : null,
      max: maxCount,
    });
  }

  async headPosition(): Promise<bigint> {
    return this.fileHead();
  }

  /** Every record here is an event of the store's. */
  endPosition(): Promise<bigint> {
    return this.headPosition();
  }

  private fileHead(): bigint {
    return this.selectHead.get()?.head ?? 0n;
  }

  /** The last position this process's commits can account for: held in memory, or being committed. */
  private ownEnd(): bigint {
    return this.recent.end + BigInt(this.commits.eventsInFlight);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    const subscription = catchUpSubscription(
      {
        read: (range) => this.readAll(range),
        head: async () => this.subscriptionHead(),
        appends: () => this.appendCount,
        waitForAppend: (signal, seen) => this.waitForAppend(signal, seen),
        scanSpan: FILTERED_SCAN_SPAN,
      },
      options,
    );
    return this.subscriptions.track(subscription);
  }

  /**
   * Where a subscription's filtered read stops. The writer's commit is in the
   * file before its outcome reaches this thread: when nothing but that commit
   * lies past the events held in memory, the read stops there, and the
   * outcome's wake-up delivers the rest from memory too.
   */
  private subscriptionHead(): bigint {
    const head = this.fileHead();
    return head > this.recent.end && head <= this.ownEnd() ? this.recent.end : head;
  }

  private waitForAppend(signal: AbortSignal, seen: number): Promise<void> {
    // Aborted already (while the batch was handled): listening for the abort would wait a whole poll.
    if (this.appendCount !== seen || signal.aborted) return Promise.resolve();
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

  /** Stops the subscriptions, finishes the appends already accepted, then closes the writer and the connection. */
  async close(): Promise<void> {
    await this.subscriptions.stopAll();
    await this.commits.drained();
    this.watch?.close();
    await this.writer.close();
    if (this.db.open) this.db.close();
  }
}

function toRecorded([
  position,
  stream,
  revision,
  eventId,
  type,
  data,
  metadata,
]: Row): RecordedEvent {
  return {
    streamName: stream,
    revision: Number(revision),
    position,
    eventId,
    type,
    data: JSON.parse(data),
    metadata: JSON.parse(metadata),
  };
}
