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

  describe('when relationship tables were made before they kept their sources', () => {
    it('adds the columns, loads the rows there without sources and writes new ones with them', async () => {
      const db = new Database(':memory:');
      db.exec(REGISTRY_SCHEMA);
      new SqliteCoordination(db);
      db.exec(`INSERT INTO rm_projection_versions (projection, version, state)
          VALUES ('customer-relationships', 1, 'active');
        CREATE TABLE rm_relationships_1 (vendor_id TEXT NOT NULL, customer_company_id TEXT NOT NULL,
          status TEXT NOT NULL, created_at TEXT NOT NULL, activated_at TEXT NOT NULL,
          invitation_id TEXT NOT NULL, customer_number TEXT, position INTEGER NOT NULL,
          UNIQUE (vendor_id, customer_company_id));
        INSERT INTO rm_relationships_1 VALUES ('v', 'old', 'active', 't', 't', 'i1', NULL, 3);`);
      const target = { projection: 'customer-relationships', version: 1 };
      const old = { vendorId: 'v', customerCompanyId: 'old' };

      const readModels = new SqliteReadModels(db);
      new SqliteReadModels(db); // a second opening finds them there
      expect(await readModels.ensureProjection(target.projection)).toBe(1);
      expect(await readModels.loadRelationships(target, [old])).toEqual([
        {
          ...old,
          status: 'active',
          createdAt: 't',
          activatedAt: 't',
          invitationId: 'i1',
          customerNumber: null,
          position: 3n,
        },
      ]);
      const sourced = {
        vendorId: 'v',
        customerCompanyId: 'new',
        status: 'active' as const,
        createdAt: 't',
        activatedAt: 't',
        invitationId: 'i2',
        customerNumber: null,
        position: 4n,
        createdPosition: 4n,
      };
      await readModels.commit({ target, relationships: [sourced] });
      expect(await readModels.loadRelationships(target, [sourced])).toEqual([sourced]);
      db.close();
    });
  });
});
