import Database from 'better-sqlite3';
import { makeDirectory } from '../../platform/fs/make-directory';
import { dirname } from 'node:path';
import {
  holdsHits,
  TAKEN,
  type RateLimitStore,
  type TakeResult,
} from '../../platform/rate-limit/rate-limit-store.port';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS rate_limits (
    key       TEXT PRIMARY KEY,
    closes_at INTEGER NOT NULL,  -- ms since the epoch
    count     INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rate_limits_closes_at ON rate_limits (closes_at);`;

interface RemovedWindow {
  closesAt: number;
  count: number;
}

/** Closed windows are swept after this many takes (one DELETE over an index). */
const SWEEP_EVERY = 1_000;

/**
 * Counters in a SQLite file of their own beside the read models, shared by
 * every process that opens it. A hit is one UPSERT, atomic under SQLite's
 * write lock; the file holds nothing but counters, so that lock is never held
 * for longer than one statement (the read-model file's can be, by a rebuild's
 * commit), and the counters need no durability (`synchronous = OFF`).
 */
export class SqliteRateLimits implements RateLimitStore {
  private readonly db: Database.Database;
  private readonly hit: Database.Statement;
  private readonly keys: Database.Statement<[], { n: number }>;
  private readonly closesAt: Database.Statement<[string], { closes_at: number }>;
  private readonly decrement: Database.Statement<
    [{ key: string; takenAt: number; window: number }]
  >;
  private readonly remove: Database.Statement<[string], RemovedWindow>;
  private readonly removeMatching: Database.Statement<
    [{ prefix: string; suffix: string }],
    RemovedWindow
  >;
  private readonly sweep: Database.Statement<[number]>;
  private readonly takeOrRefuse: Database.Transaction<
    (key: string, limit: number, windowMs: number, now: number) => TakeResult
  >;
  private takes = 0;

  constructor(path: string) {
    if (path !== ':memory:') makeDirectory(dirname(path));
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL, not OFF: in WAL mode it syncs only at checkpoints, and OFF may corrupt the file at
    // a power cut (then every login, sign-up and send is refused until it is removed).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // In the SET clause every column reads the row as it was, before this update.
    this.hit = this.db.prepare(`
      INSERT INTO rate_limits (key, closes_at, count) VALUES (@key, @now + @window, 1)
      ON CONFLICT (key) DO UPDATE SET
        closes_at = CASE WHEN closes_at <= @now THEN @now + @window ELSE closes_at END,
        count     = CASE WHEN closes_at <= @now THEN 1 ELSE count + 1 END
      WHERE closes_at <= @now OR count < @limit`);
    this.closesAt = this.db.prepare('SELECT closes_at FROM rate_limits WHERE key = ?');
    this.decrement = this.db.prepare(
      `UPDATE rate_limits SET count = count - 1 WHERE key = @key AND count > 0
         AND closes_at > @takenAt AND closes_at <= @takenAt + @window`,
    );
    this.remove = this.db.prepare(
      'DELETE FROM rate_limits WHERE key = ? RETURNING closes_at AS closesAt, count',
    );
    // substr, not LIKE: keys may hold % and _ (emails do).
    this.removeMatching = this.db.prepare(
      `DELETE FROM rate_limits WHERE substr(key, 1, length(@prefix)) = @prefix
         AND length(key) >= length(@prefix) + length(@suffix)
         AND substr(key, length(key) - length(@suffix) + 1) = @suffix
       RETURNING closes_at AS closesAt, count`,
    );
    this.sweep = this.db.prepare('DELETE FROM rate_limits WHERE closes_at <= ?');
    this.keys = this.db.prepare('SELECT count(*) AS n FROM rate_limits');
    this.takeOrRefuse = this.db.transaction((key, limit, windowMs, now) => {
      if (this.hit.run({ key, limit, window: windowMs, now }).changes === 1) return TAKEN;
      return { taken: false, windowClosesAt: this.closesAt.get(key)!.closes_at };
    });
  }

  async take(key: string, limit: number, windowMs: number, now: number): Promise<TakeResult> {
    if (++this.takes % SWEEP_EVERY === 0) this.sweep.run(now);
    // IMMEDIATE: the refusal reads the window the refused UPSERT saw, not a later one.
    return this.takeOrRefuse.immediate(key, limit, windowMs, now);
  }

  async giveBack(key: string, takenAt: number, windowMs: number): Promise<void> {
    this.decrement.run({ key, takenAt, window: windowMs });
  }

  async reset(key: string, now: number): Promise<boolean> {
    return holdsHits(this.remove.get(key), now);
  }

  async resetMatching(prefix: string, suffix: string, now: number): Promise<number> {
    return this.removeMatching.all({ prefix, suffix }).filter((w) => holdsHits(w, now)).length;
  }

  /** Keys remembered now, closed windows not yet swept included. */
  get size(): number {
    return this.keys.get()!.n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
