import { randomUUID } from 'node:crypto';
import { invitationRow, readModelsContract } from '../testing/read-models.contract';
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

  describe('when a query races a switch and the drop of the old version', () => {
    it('answers from the new version, not from rows being dropped', async () => {
      const { db } = connection();
      const projection = `race-${randomUUID()}`;
      const [writer, reader] = [new MongoReadModels(db), new MongoReadModels(db)];
      const row = invitationRow({ vendorId: 'vendor-race' });
      const checkpoint = { position: 1n, expectedVersion: 0 };
      const v1 = { projection, version: await writer.ensureProjection(projection) };
      await writer.commit({ target: v1, invitations: [row], checkpoint });
      const { version } = await writer.beginBuild(projection);
      await writer.commit({ target: { projection, version }, invitations: [row], checkpoint });
      // The switch and the drop land after the reader has looked up the active version.
      const versions = (reader as unknown as { versions: { active: Active } }).versions;
      const active = versions.active.bind(versions);
      let raced = false;
      jest.spyOn(versions, 'active').mockImplementation(async (name) => {
        const found = await active(name);
        if (!raced) {
          raced = true;
          await writer.activateVersion(projection, version, v1.version);
          await writer.dropVersion(projection, v1.version);
        }
        return found;
      });
      const page = await reader.listInvitations(projection, { vendorId: 'vendor-race', limit: 10 });
      expect(raced).toBe(true);
      expect(page.items.map((i) => i.invitationId)).toEqual([row.invitationId]);
    });
  });
});

type Active = (projection: string) => Promise<number | undefined>;
