import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventStore } from '../open-event-store';
import { openWriteConnection } from './sqlite-group-commit';
import { createWriter } from './sqlite-writer';

// Recorded, to see what the writer thread is asked to open its connection with.
jest.mock('./sqlite-writer', () => {
  const actual = jest.requireActual<typeof import('./sqlite-writer')>('./sqlite-writer');
  return { ...actual, createWriter: jest.fn(actual.createWriter) };
});

/** `synchronous` as SQLite reports it: 2 is FULL, 1 NORMAL. */
const settings = (db: Database.Database) => ({
  synchronous: db.pragma('synchronous', { simple: true }),
  journal: db.pragma('journal_mode', { simple: true }),
});

// Design section 2: an acknowledged command survives power loss unless a faster setting is asked for.
describe('the SQLite event store’s durability', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'durability-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('when EVENT_STORE_URL names only a file', () => {
    it('syncs every commit (FULL, in WAL mode) on both connections, and warns of nothing', async () => {
      const warnings: string[] = [];
      const path = join(dir, 'events.sqlite');
      const store = openEventStore(`sqlite:${path}`, (w) => warnings.push(w));
      try {
        const main = (store as unknown as { db: Database.Database }).db;
        expect(settings(main)).toEqual({ synchronous: 2, journal: 'wal' });
        expect(createWriter).toHaveBeenCalledWith(path, 'full');
        expect(warnings).toEqual([]);
      } finally {
        await store.close();
      }
    });
  });

  describe('when the writer thread opens its connection', () => {
    it('sets what it is given, FULL unless NORMAL was asked for', () => {
      for (const [asked, expected] of [
        ['full', 2],
        ['normal', 1],
      ] as const) {
        const db = openWriteConnection(join(dir, `${asked}.sqlite`), asked);
        try {
          expect(settings(db)).toEqual({ synchronous: expected, journal: 'wal' });
        } finally {
          db.close();
        }
      }
    });
  });
});
