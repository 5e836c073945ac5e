import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointConflictError } from '../coordination.port';
import { invitationRow } from '../testing/read-models.contract';
import { SqliteReadModels } from './sqlite-read-models';
import { openReadModelDatabase } from './sqlite-read-model-db';

describe('read-model commit thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'commit-thread-'));
  const db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
  const readModels = new SqliteReadModels(db, { commitThread: true });
  afterAll(async () => {
    await readModels.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('when a rebuild commits with a stale checkpoint version', () => {
    it('rejects with the port error and writes nothing', async () => {
      await readModels.ensureProjection('invitations');
      const { version } = await readModels.beginBuild('invitations');
      const target = { projection: 'invitations', version };
      const first = invitationRow({ position: 1n });
      await readModels.commit({
        target,
        invitations: [first],
        checkpoint: { position: 1n, expectedVersion: 0 },
      });
      const second = invitationRow({ position: 2n });
      const stale = readModels.commit({
        target,
        invitations: [second],
        checkpoint: { position: 2n, expectedVersion: 0 },
      });
      await expect(stale).rejects.toBeInstanceOf(CheckpointConflictError);
      const ids = [first.invitationId, second.invitationId];
      expect((await readModels.loadInvitations(target, ids)).map((r) => r.invitationId)).toEqual([
        first.invitationId,
      ]);
    });
  });
});
