import { MongoClient, MongoServerError, type Db } from 'mongodb';
import type { CheckpointStore, LeaseStore } from '../coordination.port';
import { CHECKPOINTS, LEASES, MongoCoordination } from './mongo-coordination';

export const DEFAULT_DATABASE = 'invitations';

export interface MongoReadModelConnection {
  kind: 'mongodb';
  url: string;
  client: MongoClient;
  db: Db;
  coordination: CheckpointStore & LeaseStore;
  close(): Promise<void>;
}

/** The database named in the URL path (`mongodb://host/<db>?…`), or `invitations`. */
export function databaseName(url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url);
  const name = match ? decodeURIComponent(match[1]) : '';
  return name || DEFAULT_DATABASE;
}

/** Connects, checks the server answers, and returns the read-model connection. */
export async function openMongoReadModels(
  url: string,
  options: { database?: string } = {},
): Promise<MongoReadModelConnection> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.connect();
    const db = client.db(options.database ?? databaseName(url));
    await ensureCoordinationIndexes(db);
    return {
      kind: 'mongodb',
      url,
      client,
      db,
      coordination: new MongoCoordination(db),
      close: () => client.close(),
    };
  } catch (error) {
    await client.close();
    throw error;
  }
}

/**
 * Checkpoints and leases are keyed by `_id` alone (unique by construction), so
 * they need no secondary index; creating the collections up front lets later
 * transactions write to them on servers older than 4.4.
 */
async function ensureCoordinationIndexes(db: Db): Promise<void> {
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  for (const name of [CHECKPOINTS, LEASES]) {
    if (!existing.has(name)) await db.createCollection(name).catch(ignoreAlreadyExists);
  }
}

/** NamespaceExists (48): a racing instance created it first. */
function ignoreAlreadyExists(error: unknown): void {
  if (!(error instanceof MongoServerError && error.code === 48)) throw error;
}
