import { restartingThread, type RestartingThread } from '../../platform/workers/thread-calls';
import { groupCommit, type AppendOutcome, type AppendRequest } from './sqlite-group-commit';

/** Where a group of appends is committed: a writer thread, or inline on the caller's connection. */
export interface SqliteWriter {
  commit(requests: AppendRequest[]): Promise<AppendOutcome[]>;
  close(): Promise<void>;
}

/** A writer thread with its own connection to the file at `path`. */
export function createWriter(path: string, synchronous: 'full' | 'normal'): SqliteWriter {
  return new WorkerWriter(path, synchronous);
}

/**
 * Commits on the given connection, blocking its thread for the fsync: for lone
 * appends and `:memory:`. It does not wait for a write lock another connection
 * holds (SQLite's wait sleeps on the thread, so a lock held elsewhere froze
 * the event loop for up to 10 s): the group is answered `locked`, for a writer
 * that may wait.
 */
export function inlineWriter(db: Parameters<typeof groupCommit>[0]): SqliteWriter {
  const commit = groupCommit(db);
  const restore = `PRAGMA busy_timeout = ${Number(db.pragma('busy_timeout', { simple: true }))}`;
  return {
    commit: async (requests) => {
      // Set as the pragma is compiled, so not a statement prepared once; `exec` costs a sixth of
      // `pragma()` (1 µs the pair, beside a commit's 30 µs on a fast disk).
      db.exec('PRAGMA busy_timeout = 0');
      try {
        return commit(requests);
      } finally {
        db.exec(restore); // for the connection's reads
      }
    },
    close: async () => undefined,
  };
}

class WorkerWriter implements SqliteWriter {
  private readonly calls: RestartingThread<AppendRequest[], { outcomes: AppendOutcome[] }>;

  constructor(path: string, synchronous: 'full' | 'normal') {
    this.calls = restartingThread(__dirname, 'sqlite-writer', { path, synchronous });
    this.calls.start(); // ready before the first group, as the store opens
  }

  /**
   * A writer that stopped fails each append of the group in hand, so no
   * caller waits forever, and is started again for the next group.
   */
  commit(requests: AppendRequest[]): Promise<AppendOutcome[]> {
    return this.calls.call(requests).then(
      ({ outcomes }) => outcomes,
      (error: Error) => requests.map(() => ({ failure: error.message })),
    );
  }

  close(): Promise<void> {
    return this.calls.close();
  }
}
