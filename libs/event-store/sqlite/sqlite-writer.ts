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

/** Commits on the given connection, blocking its thread for the fsync: for lone appends and `:memory:`. */
export function inlineWriter(db: Parameters<typeof groupCommit>[0]): SqliteWriter {
  const commit = groupCommit(db);
  return { commit: async (requests) => commit(requests), close: async () => undefined };
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
