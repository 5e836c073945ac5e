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

  describe('when instances disagree on the time', () => {
    it('lets the server clock decide when a lease has run out', async () => {
      const { db } = connection();
      const [a, b] = [new MongoCoordination(db), new MongoCoordination(db)];
      expect(await a.tryAcquire('skewed', 'a', 5_000)).toBe(true);
      // b's clock runs ahead by more than the lease: by its own time, a's lease is over.
      const now = Date.now();
      jest.spyOn(Date, 'now').mockReturnValue(now + 10_000);
      try {
        expect(await b.tryAcquire('skewed', 'b', 5_000)).toBe(false);
      } finally {
        jest.restoreAllMocks();
      }
      expect(await a.tryAcquire('skewed', 'a', 5_000)).toBe(true);
    });
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
