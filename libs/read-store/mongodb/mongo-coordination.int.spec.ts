import { coordinationContract } from '../testing/coordination.contract';
import { MongoCoordination } from './mongo-coordination';
import { MONGODB_URL, skipWithoutMongo, useTestDatabase } from '../testing/mongo-test-database';

describe('MongoCoordination', () => {
  if (!MONGODB_URL) return skipWithoutMongo('passes the coordination contract');
  const connection = useTestDatabase(MONGODB_URL);
  coordinationContract(async () => ({
    store: new MongoCoordination(connection().db),
    close: async () => undefined,
  }));
});
