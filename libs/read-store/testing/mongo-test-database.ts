import { randomUUID } from 'node:crypto';
import { openMongoReadModels, type MongoReadModelConnection } from '../mongodb/mongo-connection';

/** Set e.g. MONGODB_URL=mongodb://localhost:27017/?replicaSet=rs0 to run the MongoDB suites. */
export const MONGODB_URL = process.env.MONGODB_URL;

const SKIPPED = 'skipped: no MongoDB at MONGODB_URL (set it to run the MongoDB contract suites)';

/** Says so in one line and registers a skipped test, so nothing passes by pretending. */
export function skipWithoutMongo(what: string): void {
  process.stdout.write(`${SKIPPED}\n`);
  it.skip(what, () => undefined);
}

/** A fresh database for this test file, dropped when the file is done. */
export function useTestDatabase(url: string): () => MongoReadModelConnection {
  let connection: MongoReadModelConnection | undefined;
  beforeAll(async () => {
    const database = `test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    connection = await openMongoReadModels(url, { database });
  });
  afterAll(async () => {
    if (!connection) return;
    await connection.db.dropDatabase();
    await connection.close();
  });
  return () => {
    if (!connection) throw new Error('the test database is not open');
    return connection;
  };
}
