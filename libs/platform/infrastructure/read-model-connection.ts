import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CheckpointStore, LeaseStore } from '../../read-store/coordination.port';
import type { MongoReadModelConnection } from '../../read-store/mongodb/mongo-connection';
import type { ReadModels } from '../../read-store/read-models.port';
import { SqliteCoordination } from '../../read-store/sqlite/sqlite-coordination';
import { SqliteReadModels } from '../../read-store/sqlite/sqlite-read-models';

export interface SqliteReadModelConnection {
  kind: 'sqlite';
  db: Database.Database;
  coordination: CheckpointStore & LeaseStore;
  readModels: ReadModels;
  close(): Promise<void>;
}

/** The read-model database: read models, checkpoints and leases live together. */
export type ReadModelConnection = SqliteReadModelConnection | MongoReadModelConnection;

/**
 * 64 MiB of page cache (negative: KiB) instead of 2 MiB: projection commits and
 * rebuilds touch pages across several B-trees keyed by random ids.
 */
export const READ_MODEL_CACHE_SIZE = -65_536;

export async function openReadModels(url: string): Promise<ReadModelConnection> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).split('?')[0];
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // read models are rebuildable from the event store
    db.pragma('busy_timeout = 10000');
    // Checkpoint the WAL every ~40 MB instead of every 4 MB: batched projection commits dirty many pages.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma(`cache_size = ${READ_MODEL_CACHE_SIZE}`);
    return {
      kind: 'sqlite',
      db,
      coordination: new SqliteCoordination(db),
      readModels: new SqliteReadModels(db),
      close: async () => void (db.open && db.close()),
    };
  }
  // The MongoDB driver is loaded only when configured.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openMongoReadModels } = require('../../read-store/mongodb/mongo-connection');
  return (openMongoReadModels as (u: string) => Promise<MongoReadModelConnection>)(url);
}
