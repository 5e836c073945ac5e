import { readModelsContract } from '../testing/read-models.contract';
import { MongoReadModels } from './mongo-read-models';
import { MONGODB_URL, skipWithoutMongo, useTestDatabase } from '../testing/mongo-test-database';
import type { TransactionMode } from './mongo-transactions';

describe('MongoReadModels', () => {
  if (!MONGODB_URL) return skipWithoutMongo('passes the read-model contract');
  const connection = useTestDatabase(MONGODB_URL);
  // `auto` uses transactions on a replica set or mongos; `off` checks the standalone path everywhere.
  describe.each<TransactionMode>(['auto', 'off'])('with transactions %s', (transactions) => {
    readModelsContract(async () => ({
      readModels: new MongoReadModels(connection().db, { transactions }),
      close: async () => undefined,
    }));
  });
});
