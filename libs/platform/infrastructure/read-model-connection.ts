import type Database from 'better-sqlite3';
import { dirname, join } from 'node:path';
import type { CheckpointStore, LeaseStore } from '../../read-store/coordination.port';
import type { MongoReadModelConnection } from '../../read-store/mongodb/mongo-connection';
import type { ReadModels } from '../../read-store/read-models.port';
import { SqliteCoordination } from '../../read-store/sqlite/sqlite-coordination';
import { SqliteCoordinationThread } from '../../read-store/sqlite/sqlite-coordination-thread';
import { SqliteRateLimits } from '../../read-store/sqlite/sqlite-rate-limits';
import { SqliteReadModels } from '../../read-store/sqlite/sqlite-read-models';
import type { RateLimitStore } from '../rate-limit/rate-limit-store.port';
import { openReadModelDatabase } from '../../read-store/sqlite/sqlite-read-model-db';
import { configErrorOf } from '../config/config-error';
import { sqliteUrl } from '../config/sqlite-url';

const VARIABLE = 'READ_MODEL_URL';

export interface SqliteReadModelConnection {
  kind: 'sqlite';
  db: Database.Database;
  coordination: CheckpointStore & LeaseStore;
  rateLimits: RateLimitStore;
  readModels: ReadModels;
  close(): Promise<void>;
}

/**
 * The read-model database: read models, checkpoints and leases live together,
 * and so do rate-limit counters (in SQLite, in a file of their own beside the
 * read models: see SqliteRateLimits).
 */
export type ReadModelConnection = SqliteReadModelConnection | MongoReadModelConnection;

/**
 * Opens `READ_MODEL_URL`; anything that stops it names the variable, as a bad
 * value does (the drivers' words do not, and may quote the password).
 */
export async function openReadModels(
  url: string,
  warn: (message: string) => void = () => undefined,
): Promise<ReadModelConnection> {
  try {
    return url.startsWith('sqlite:') ? openSqlite(url, warn) : await openMongo(url);
  } catch (error) {
    throw configErrorOf(VARIABLE, error);
  }
}

function openSqlite(url: string, warn: (message: string) => void): SqliteReadModelConnection {
  const { path } = sqliteUrl(VARIABLE, url);
  if (path === ':memory:') {
    warn(
      'READ_MODEL_URL: sqlite::memory: — checkpoints, leases and rate-limit counters are lost ' +
        'when the process ends (the forwarders publish every event again)',
    );
  }
  try {
    return sqliteConnection(path);
  } catch (error) {
    throw configErrorOf(VARIABLE, error, `cannot open ${path}`);
  }
}

function sqliteConnection(path: string): SqliteReadModelConnection {
  const db = openReadModelDatabase(path);
  const readModels = new SqliteReadModels(db, { commitThread: true });
  const rateLimits = new SqliteRateLimits(rateLimitsPath(path));
  // A file is shared with other processes, whose long transactions must not hold this event loop.
  const coordination =
    path === ':memory:' ? new SqliteCoordination(db) : new SqliteCoordinationThread(path);
  return {
    kind: 'sqlite',
    db,
    coordination,
    rateLimits,
    readModels,
    close: async () => {
      await readModels.close();
      if (coordination instanceof SqliteCoordinationThread) await coordination.close();
      rateLimits.close();
      if (db.open) db.close();
    },
  };
}

/** The MongoDB driver is loaded only when configured. */
function openMongo(url: string): Promise<MongoReadModelConnection> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openMongoReadModels } = require('../../read-store/mongodb/mongo-connection');
  return (openMongoReadModels as (u: string) => Promise<MongoReadModelConnection>)(url);
}

/** `rate-limits.sqlite` in the read-model file's directory (DATA_DIR by default). */
export const rateLimitsPath = (readModelPath: string) =>
  readModelPath === ':memory:' ? ':memory:' : join(dirname(readModelPath), 'rate-limits.sqlite');
