import { MongoClient, MongoServerError, type Db, type MongoClientOptions } from 'mongodb';
import type { RateLimitStore } from '../../platform/rate-limit/rate-limit-store.port';
import type { CheckpointStore, LeaseStore } from '../coordination.port';
import { CHECKPOINTS, LEASES, MongoCoordination } from './mongo-coordination';
import { PROJECTIONS } from './mongo-projection-versions';
import { ensureRateLimitIndexes, MongoRateLimits } from './mongo-rate-limits';
import { MongoReadModels } from './mongo-read-models';
import { ensureReadModelIndexes } from './mongo-read-models.documents';
import { MAJORITY_WRITES, type TransactionMode } from './mongo-transactions';

export const DEFAULT_DATABASE = 'invitations';

export interface MongoReadModelConnection {
  kind: 'mongodb';
  url: string;
  client: MongoClient;
  db: Db;
  coordination: CheckpointStore & LeaseStore;
  rateLimits: RateLimitStore;
  readModels: MongoReadModels;
  close(): Promise<void>;
}

export interface MongoReadModelOptions {
  /** Overrides the database named in the URL. */
  database?: string;
  /** Default `auto`: transactions when the server is a replica-set member or mongos. */
  transactions?: TransactionMode;
}

/** The database named in the URL path (`mongodb://host/<db>?…`), or `invitations`. */
export function databaseName(url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url);
  const name = match ? decodeURIComponent(match[1]) : '';
  return name || DEFAULT_DATABASE;
}

/**
 * Writes wait for a majority of the replica set, so a lease, checkpoint or
 * count once acknowledged survives a failover (a cluster's default may be
 * `w:1`); transactions ask for it anyway. A `w` in the URL wins. They wait
 * 10 s at most (`MAJORITY_WRITES`): without a bound a majority that cannot
 * answer (a secondary down beside an arbiter) held every write for ever, and
 * the workers with them, where a failure is retried as an outage.
 */
export function clientOptions(url: string): MongoClientOptions {
  const query = new URLSearchParams(url.split('?')[1] ?? '');
  const urlSetsW = [...query.keys()].some((key) => key.toLowerCase() === 'w');
  return {
    serverSelectionTimeoutMS: 10_000,
    ...(urlSetsW ? {} : { writeConcern: MAJORITY_WRITES }),
  };
}

/** Connects, creates collections and indexes (idempotent), and returns the read-model connection. */
export async function openMongoReadModels(
  url: string,
  options: MongoReadModelOptions = {},
): Promise<MongoReadModelConnection> {
  const client = new MongoClient(url, clientOptions(url));
  try {
    await client.connect();
    const db = client.db(options.database ?? databaseName(url));
    await ensureCollections(db);
    await ensureReadModelIndexes(db);
    await ensureRateLimitIndexes(db);
    return {
      kind: 'mongodb',
      url,
      client,
      db,
      coordination: new MongoCoordination(db),
      rateLimits: new MongoRateLimits(db),
      readModels: new MongoReadModels(db, { transactions: options.transactions }),
      close: () => client.close(),
    };
  } catch (error) {
    await client.close();
    throw error;
  }
}

/**
 * Checkpoints, leases and projections are keyed by `_id` alone, so they need
 * no secondary index. Creating them up front keeps collection creation out of
 * transactions (which servers before 4.4 refuse). Row collections are created
 * by their indexes.
 */
async function ensureCollections(db: Db): Promise<void> {
  const found = await db.listCollections({}, { nameOnly: true }).toArray();
  const existing = new Set(found.map((c) => c.name));
  for (const name of [CHECKPOINTS, LEASES, PROJECTIONS]) {
    if (!existing.has(name)) await db.createCollection(name).catch(ignoreAlreadyExists);
  }
}

/** NamespaceExists (48): a racing instance created it first. */
function ignoreAlreadyExists(error: unknown): void {
  if (!(error instanceof MongoServerError && error.code === 48)) throw error;
}
