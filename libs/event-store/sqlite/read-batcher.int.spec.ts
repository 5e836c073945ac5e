import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadBatcher } from './read-batcher';

describe('ReadBatcher', () => {
  let dir: string;
  let reader: Database.Database;
  let writer: Database.Database;
  let reads: ReadBatcher;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'read-batcher-'));
    const path = join(dir, 'store.sqlite');
    writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE t (n INTEGER)');
    reader = new Database(path);
    reads = new ReadBatcher(reader);
  });
  afterEach(() => {
    if (reader.open) reader.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = () => (reader.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
  const insert = () => writer.prepare('INSERT INTO t VALUES (1)').run();

  describe('when several reads are asked for in one turn', () => {
    it('runs them together in one read transaction, which ends with the turn', async () => {
      const inTransaction = await Promise.all(
        [1, 2, 3].map(() => reads.read(() => reader.inTransaction)),
      );
      expect(inTransaction).toEqual([true, true, true]);
      expect(reader.inTransaction).toBe(false);
    });

    it('lets each see every commit made before it was asked for', async () => {
      insert();
      const first = reads.read(count);
      insert();
      const second = reads.read(count);
      expect(await Promise.all([first, second])).toEqual([2, 2]);
    });

    it('fails only the read that throws', async () => {
      const outcomes = await Promise.allSettled([
        reads.read(count),
        reads.read(() => reader.prepare('SELECT * FROM missing').all()),
        reads.read(count),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(reader.inTransaction).toBe(false);
    });
  });

  describe('when a read is alone in its turn', () => {
    it('runs outside a transaction', async () => {
      expect(await reads.read(() => reader.inTransaction)).toBe(false);
    });
  });

  describe('when the connection is closed', () => {
    it('rejects the reads', async () => {
      const pending = [reads.read(count), reads.read(count)];
      reader.close();
      for (const read of pending) await expect(read).rejects.toThrow(/not open/);
    });
  });
});
