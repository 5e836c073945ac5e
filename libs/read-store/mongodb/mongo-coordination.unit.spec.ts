import type { Db } from 'mongodb';
import { MongoCoordination } from './mongo-coordination';

/** A database whose checkpoints collection holds `doc`, decoded as the driver would with BIGINT_DECODING. */
const holding = (doc: Record<string, unknown>) =>
  ({ collection: () => ({ findOne: async () => doc }) }) as unknown as Db;

describe('MongoDB checkpoints', () => {
  describe('when a checkpoint was saved more than 2^31 - 1 times', () => {
    it('loads its version as a number, which a save can add to, not a bigint', async () => {
      // The server keeps an int32 incremented past its range as a 64-bit integer.
      const coordination = new MongoCoordination(
        holding({ _id: 'projector:invitations', position: 42n, version: 2_147_483_648n }),
      );
      const { position, version } = await coordination.load('projector:invitations');
      expect(position).toBe(42n);
      expect(version).toBe(2_147_483_648);
    });
  });
});
