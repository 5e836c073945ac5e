import Database from 'better-sqlite3';
import { checkingFailures } from './committed-despite-failure';
import { groupCommit, SCHEMA, type AppendRequest } from './sqlite-group-commit';
import type { SqliteWriter } from './sqlite-writer';

const append = (stream: string, ...ids: string[]): AppendRequest => ({
  streams: [
    {
      stream,
      expected: 'any',
      events: ids.map((eventId) => ({ eventId, type: 'E', data: '{}', metadata: '{}' })),
    },
  ],
});

describe('a writer whose failures are checked against the file', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec(SCHEMA);
  });
  afterEach(() => db.close());

  /** A writer that, like a thread dying after COMMIT, commits the group (or not) and reports it failed. */
  const dying = (commits: boolean): SqliteWriter => ({
    commit: async (requests) => {
      if (commits) groupCommit(db)(requests);
      return requests.map(() => ({ failure: 'sqlite-writer thread exited (1)' }));
    },
    close: async () => undefined,
  });

  describe('when the group committed before the writer failed', () => {
    it('reports each append committed, with its streams’ revisions and positions', async () => {
      await checkingFailures(dying(true), db).commit([append('earlier', 'e0')]);
      const outcomes = await checkingFailures(dying(true), db).commit([
        append('a', 'a0', 'a1'),
        {
          streams: [
            append('b', 'b0').streams[0],
            { ...append('c', 'c0').streams[0], expected: 'no_stream' },
          ],
        },
      ]);
      expect(outcomes).toEqual([
        { ok: [{ nextRevision: 1, position: 3n }] },
        {
          ok: [
            { nextRevision: 0, position: 4n },
            { nextRevision: 0, position: 5n },
          ],
        },
      ]);
    });
  });

  describe('when the group did not commit', () => {
    it('keeps the failure, even for an event id written before the group', async () => {
      groupCommit(db)([append('a', 'a0')]);
      const outcomes = await checkingFailures(dying(false), db).commit([
        append('a', 'a0'),
        append('b', 'b0'),
      ]);
      expect(outcomes).toEqual([
        { failure: 'sqlite-writer thread exited (1)' },
        { failure: 'sqlite-writer thread exited (1)' },
      ]);
    });
  });

  describe('when the file cannot be read to check', () => {
    it('reports what the writer said, rather than throwing', async () => {
      const checked = checkingFailures(dying(false), db);
      db.close(); // as a late append after the store closed finds it
      expect(await checked.commit([append('a', 'a0')])).toEqual([
        { failure: 'sqlite-writer thread exited (1)' },
      ]);
      db = new Database(':memory:'); // for afterEach
    });
  });
});
