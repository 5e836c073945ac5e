import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReadModelDatabase } from './sqlite-read-model-db';
import { SqliteReadModels } from './sqlite-read-models';

describe('SqliteReadModels.ensureProjection', () => {
  let dir: string;
  let db: Database.Database;
  let other: Database.Database;
  let readModels: SqliteReadModels;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'read-model-versions-'));
    const path = join(dir, 'read-models.sqlite');
    db = openReadModelDatabase(path);
    // A write on this connection would wait this long for the lock, then fail.
    db.pragma('busy_timeout = 100');
    readModels = new SqliteReadModels(db);
    other = openReadModelDatabase(path);
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await readModels.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('when the active version is in place and another process holds the write lock', () => {
    it('answers from a read, without waiting for the lock on the event loop', async () => {
      expect(await readModels.ensureProjection('invitations')).toBe(1);
      // As an ops rebuild does while it drops the version it replaced.
      other.exec('BEGIN IMMEDIATE');
      expect(await readModels.ensureProjection('invitations')).toBe(1);
    });
  });

  describe('when an index of the active version is missing', () => {
    it('makes it again', async () => {
      await readModels.ensureProjection('invitations');
      const index = (
        db
          .prepare(
            `SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE '%_by_vendor_email'`,
          )
          .get() as { name: string }
      ).name;
      db.exec(`DROP INDEX ${index}`);
      expect(await readModels.ensureProjection('invitations')).toBe(1);
      expect(db.prepare('SELECT 1 FROM sqlite_schema WHERE name = ?').get(index)).toBeDefined();
    });
  });
});
