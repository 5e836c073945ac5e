import type Database from 'better-sqlite3';
import type { CheckpointStore, LeaseStore } from '../../read-store/coordination.port';
import type { MongoReadModelConnection } from '../../read-store/mongodb/mongo-connection';
import type { ReadModels } from '../../read-store/read-models.port';
import { SqliteCoordination } from '../../read-store/sqlite/sqlite-coordination';
import { SqliteReadModels } from '../../read-store/sqlite/sqlite-read-models';
import { openReadModelDatabase } from '../../read-store/sqlite/sqlite-read-model-db';

export interface SqliteReadModelConnection {
  kind: 'sqlite';
  db: Database.Database;
  coordination: CheckpointStore & LeaseStore;
  readModels: ReadModels;
  close(): Promise<void>;
}

/** The read-model database: read models, checkpoints and leases live together. */
export type ReadModelConnection = SqliteReadModelConnection | MongoReadModelConnection;

export async function openReadModels(url: string): Promise<ReadModelConnection> {
  if (url.startsWith('sqlite:')) {
    const db = openReadModelDatabase(url.slice('sqlite:'.length).split('?')[0]);
    const readModels = new SqliteReadModels(db, { commitThread: true });
    return {
      kind: 'sqlite',
      db,
      coordination: new SqliteCoordination(db),
      readModels,
      close: async () => {
        await readModels.close();
        if (db.open) db.close();
      },
    };
  }
  // The MongoDB driver is loaded only when configured.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openMongoReadModels } = require('../../read-store/mongodb/mongo-connection');
  return (openMongoReadModels as (u: string) => Promise<MongoReadModelConnection>)(url);
}
