import { MongoClient } from 'mongodb';
import { rateLimitsContract } from '../../platform/rate-limit/testing/rate-limits.contract';
import { coordinationContract } from '../testing/coordination.contract';
import { MONGODB_URL, skipWithoutMongo, useTestDatabase } from '../testing/mongo-test-database';
import { MongoCoordination } from './mongo-coordination';
import { MongoRateLimits } from './mongo-rate-limits';

describe('MongoDB coordination', () => {
  if (!MONGODB_URL) return skipWithoutMongo('passes the coordination and rate-limit contracts');
  const url = MONGODB_URL;
  const connection = useTestDatabase(url);

  describe('MongoCoordination', () => {
    coordinationContract(async () => ({
      store: new MongoCoordination(connection().db),
      close: async () => undefined,
    }));
  });

  describe('MongoRateLimits', () => {
    // The second instance has a client of its own, as another process would.
    rateLimitsContract(async () => {
      const { db } = connection();
      const other = await new MongoClient(url).connect();
      return {
        instances: [new MongoRateLimits(db), new MongoRateLimits(other.db(db.databaseName))],
        close: () => other.close(),
      };
    });
  });
});
