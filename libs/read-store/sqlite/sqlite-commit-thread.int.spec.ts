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

  describe("when another connection holds the file's write lock", () => {
    it('waits on the thread, not the event loop, and commits a live batch once the lock is free', async () => {
      const target = { projection: 'live', version: await readModels.ensureProjection('live') };
      const other = openReadModelDatabase(join(dir, 'read-models.sqlite'));
      try {
        other.exec('BEGIN IMMEDIATE');
        let committed = false;
        // Committed on the main thread, this call would hold it until the busy timeout (10 s) gave up.
        const committing = readModels
          .commit({
            target,
            invitations: [invitationRow({ position: 1n })],
            checkpoint: { position: 1n, expectedVersion: 0 },
          })
          .then(() => (committed = true));
        for (let turn = 0; turn < 10; turn += 1) await new Promise((r) => setImmediate(r));
        expect(committed).toBe(false);
        other.exec('COMMIT');
        await committing;
        expect(await readModels.loadCheckpoint(target)).toEqual(
          expect.objectContaining({ position: 1n }),
        );
      } finally {
        other.close();
      }
    });
  });
});
