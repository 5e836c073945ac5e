import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { makeDirectory } from '../../platform/fs/make-directory';

/**
 * 64 MiB of page cache (negative: KiB) instead of 2 MiB: projection commits and
 * rebuilds touch pages across several B-trees keyed by random ids.
 */
export const READ_MODEL_CACHE_SIZE = -65_536;

/** A connection to the read-model file, set up the same way on every thread. */
export function openReadModelDatabase(path: string): Database.Database {
  if (path !== ':memory:') makeDirectory(dirname(path));
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // read models are rebuildable from the event store
  db.pragma('busy_timeout = 10000');
  // Checkpoint the WAL every ~40 MB instead of every 4 MB: batched projection commits dirty many pages.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma(`cache_size = ${READ_MODEL_CACHE_SIZE}`);
  return db;
}
