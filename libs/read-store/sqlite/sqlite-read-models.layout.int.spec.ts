import Database from 'better-sqlite3';
import { checkpointName } from '../read-models.port';
import { SqliteCoordination } from './sqlite-coordination';
import { SqliteReadModels } from './sqlite-read-models';
import { REGISTRY_SCHEMA } from './sqlite-read-models.schema';

describe('SQLite read-model layout', () => {
  describe('when the file holds read models in the earlier shared tables', () => {
    it('drops them with their versions and checkpoints, so projections rebuild from 0', async () => {
      const db = new Database(':memory:');
      db.exec(REGISTRY_SCHEMA);
      const coordination = new SqliteCoordination(db);
      db.exec(`CREATE TABLE rm_invitations (slot INTEGER, invitation_id TEXT);
        INSERT INTO rm_invitations VALUES (1, 'i1');
        INSERT INTO rm_projection_versions (projection, version, state) VALUES ('invitations', 1, 'active');`);
      const target = { projection: 'invitations', version: 1 };
      await coordination.save(checkpointName(target), 42n, 0);
      await coordination.save('forwarder:invitations', 7n, 0);

      const readModels = new SqliteReadModels(db);

      const left = db.prepare(`SELECT name FROM sqlite_master WHERE name = 'rm_invitations'`).all();
      expect(left).toEqual([]);
      expect(await readModels.ensureProjection('invitations')).toBe(1);
      expect(await readModels.loadCheckpoint(target)).toEqual({ position: 0n, version: 0 });
      expect(await readModels.loadInvitations(target, ['i1'])).toEqual([]);
      expect((await coordination.load('forwarder:invitations')).position).toBe(7n);
      db.close();
    });
  });
});
