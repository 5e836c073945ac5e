import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coordinationContract } from '../testing/coordination.contract';
import { SqliteCoordination } from './sqlite-coordination';

describe('SqliteCoordination', () => {
  coordinationContract(async () => {
    const db = new Database(':memory:');
    return { store: new SqliteCoordination(db), close: async () => void db.close() };
  });

  describe('when the clock steps back after the holder’s last renewal', () => {
    const TTL = 5_000;
    let db: Database.Database;
    let now: number;
    beforeEach(() => {
      db = new Database(':memory:');
      now = 1_700_000_000_000;
      jest.spyOn(Date, 'now').mockImplementation(() => now);
    });
    afterEach(() => {
      jest.restoreAllMocks();
      db.close();
    });

    it('lets another owner take the lease once the TTL has passed, not the TTL and the step', async () => {
      const store = new SqliteCoordination(db);
      expect(await store.tryAcquire('l', 'a', TTL)).toBe(true);
      now -= 60 * 60_000; // an NTP step or a resumed VM; the holder dies now
      now += TTL + 1_000;
      expect(await store.tryAcquire('l', 'b', TTL)).toBe(true);
      expect(await store.tryAcquire('l', 'a', TTL)).toBe(false);
    });
  });

  describe('when the holder renews while another process waits for the write lock', () => {
    it('does not let the waiter take the lease it renewed', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'coordination-'));
      const [dbA, dbB] = [0, 1].map(() => new Database(join(dir, 'leases.sqlite')));
      dbA.pragma('busy_timeout = 0');
      try {
        const [a, b] = [new SqliteCoordination(dbA), new SqliteCoordination(dbB)];
        let now = 1_700_000_000_000;
        const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
        expect(await a.tryAcquire('l', 'a', 5_000)).toBe(true);
        now += 4_000;
        let renewal: Promise<boolean> | undefined;
        // The waiter reads the clock; the holder's renewal is tried a millisecond after it.
        clock.mockImplementationOnce(() => {
          now += 1;
          renewal = a.tryAcquire('l', 'a', 5_000);
          return now - 1;
        });
        const taken = await b.tryAcquire('l', 'b', 5_000);
        // Locked out while the waiter holds the lock, so the waiter's now is the latest.
        const renewed = await renewal!.catch(() => 'locked out');
        expect({ taken, renewed }).toEqual({ taken: false, renewed: 'locked out' });
      } finally {
        jest.restoreAllMocks();
        dbA.close();
        dbB.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when the file was made before leases kept their grant time', () => {
    it('adds the column and still honours the leases it holds', async () => {
      const db = new Database(':memory:');
      try {
        db.exec(
          'CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)',
        );
        db.prepare('INSERT INTO leases VALUES (?, ?, ?)').run('l', 'a', Date.now() + 60_000);
        const store = new SqliteCoordination(db);
        expect(await store.tryAcquire('l', 'b', 60_000)).toBe(false);
        expect(await store.tryAcquire('l', 'a', 60_000)).toBe(true);
      } finally {
        db.close();
      }
    });

    it('opens all the same when another process added the column first', () => {
      const db = new Database(':memory:');
      try {
        new SqliteCoordination(db);
        jest.spyOn(db, 'pragma').mockReturnValueOnce([]); // it read the columns before the other added it
        expect(() => new SqliteCoordination(db)).not.toThrow();
      } finally {
        jest.restoreAllMocks();
        db.close();
      }
    });
  });
});
