import type Database from 'better-sqlite3';
import {
  CheckpointConflictError,
  type Checkpoint,
  type CheckpointStore,
  type LeaseStore,
} from '../coordination.port';
import { errorMessage } from '../../platform/errors/error-message';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS checkpoints (
    name     TEXT PRIMARY KEY,
    position TEXT NOT NULL,   -- decimal text: 64-bit positions without precision loss
    version  INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS leases (
    name       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    granted_at INTEGER NOT NULL DEFAULT 0
  );`;

/** Checkpoints and leases in the read-model SQLite file, so a projection can commit both in one transaction. */
export class SqliteCoordination implements CheckpointStore, LeaseStore {
  private readonly get: Database.Statement<[string], { position: string; version: number }>;
  private readonly insert: Database.Statement;
  private readonly update: Database.Statement;
  private readonly acquire: Database.Statement;
  private readonly drop: Database.Statement;

  private readonly acquireLocked: Database.Transaction<
    (name: string, owner: string, ttlMs: number) => boolean
  >;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    addGrantedAt(db);
    this.get = db.prepare('SELECT position, version FROM checkpoints WHERE name = ?');
    this.insert = db.prepare(
      'INSERT INTO checkpoints (name, position, version) VALUES (?, ?, 1) ON CONFLICT (name) DO NOTHING',
    );
    this.update = db.prepare(
      'UPDATE checkpoints SET position = ?, version = version + 1 WHERE name = ? AND version = ?',
    );
    // Free once expired, or once granted "later" than now: the clock went back since, and
    // the lease would otherwise outlast its holder by the size of the step.
    this.acquire = db.prepare(`
      INSERT INTO leases (name, owner, expires_at, granted_at) VALUES (@name, @owner, @until, @now)
      ON CONFLICT (name) DO UPDATE
        SET owner = excluded.owner, expires_at = excluded.expires_at, granted_at = excluded.granted_at
      WHERE leases.owner = excluded.owner OR leases.expires_at < @now OR leases.granted_at > @now`);
    this.drop = db.prepare('DELETE FROM leases WHERE name = ? AND owner = ?');
    // The time is read under the write lock. Read before it, a caller that waited for the lock
    // (another process committing) saw a lease renewed meanwhile as granted later than its own
    // now, and took it over from its live holder.
    this.acquireLocked = db.transaction((name: string, owner: string, ttlMs: number) => {
      const now = Date.now();
      return this.acquire.run({ name, owner, until: now + ttlMs, now }).changes === 1;
    });
  }

  async load(name: string): Promise<Checkpoint> {
    return this.loadSync(name);
  }

  loadSync(name: string): Checkpoint {
    const row = this.get.get(name);
    return row
      ? { position: BigInt(row.position), version: row.version }
      : { position: 0n, version: 0 };
  }

  async save(name: string, position: bigint, expectedVersion: number): Promise<number> {
    return this.saveSync(name, position, expectedVersion);
  }

  /** Synchronous form, for use inside a read-model transaction. */
  saveSync(name: string, position: bigint, expectedVersion: number): number {
    const changed =
      expectedVersion === 0
        ? this.insert.run(name, position.toString()).changes
        : this.update.run(position.toString(), name, expectedVersion).changes;
    if (changed !== 1) throw new CheckpointConflictError(name, expectedVersion);
    return expectedVersion + 1;
  }

  async tryAcquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.acquireLocked.immediate(name, owner, ttlMs);
  }

  async release(name: string, owner: string): Promise<void> {
    this.drop.run(name, owner);
  }
}

/** Files made before leases kept their grant time: their leases count as granted at 0. */
function addGrantedAt(db: Database.Database): void {
  const columns = db.pragma('table_info(leases)') as Array<{ name: string }>;
  if (columns.some((c) => c.name === 'granted_at')) return;
  try {
    db.exec('ALTER TABLE leases ADD COLUMN granted_at INTEGER NOT NULL DEFAULT 0');
  } catch (error) {
    // Another process sharing the file added it first.
    if (!/duplicate column/i.test(errorMessage(error))) throw error;
  }
}
