import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coordinationContract } from '../testing/coordination.contract';
import { SqliteCoordinationThread } from './sqlite-coordination-thread';
import { openReadModelDatabase } from './sqlite-read-model-db';

describe('SqliteCoordinationThread', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'coordination-thread-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  coordinationContract(async () => {
    const store = new SqliteCoordinationThread(join(dir, 'contract.sqlite'));
    return { store, close: () => store.close() };
  });

  describe('when another connection holds the file write lock', () => {
    it('waits on its thread, not the event loop, and saves once the lock is free', async () => {
      const path = join(dir, 'held.sqlite');
      const store = new SqliteCoordinationThread(path);
      const other: Database.Database = openReadModelDatabase(path);
      try {
        expect(await store.save('forwarder', 1n, 0)).toBe(1); // the schema exists
        other.exec('BEGIN IMMEDIATE');
        let saved = false;
        // Saved on the main thread, this call would hold it until the busy timeout (10 s) gave up.
        const saving = store.save('forwarder', 2n, 1).then((v) => ((saved = true), v));
        for (let turn = 0; turn < 10; turn += 1) await new Promise((r) => setImmediate(r));
        expect(saved).toBe(false);
        other.exec('COMMIT');
        expect(await saving).toBe(2);
        expect(await store.load('forwarder')).toEqual({ position: 2n, version: 2 });
      } finally {
        other.close();
        await store.close();
      }
    });
  });
});
