import { restartingThread, type RestartingThread } from '../../platform/workers/thread-calls';
import type { ProjectionCommit } from '../read-models.port';
import { encodeCommit, type EncodedCommit } from './sqlite-read-models.rows';
import { reviveReadStoreError } from './sqlite-thread-errors';

/**
 * A thread with its own connection to the read-model file that commits
 * projections' batches: a rebuild projects its next batch while SQLite
 * writes this one, and no commit waits for the file's lock on the event
 * loop. Errors come back as the port's own classes. A thread that died is
 * started again at the next commit (the commit in flight fails, and is
 * retried from its checkpoint like any failed batch).
 */
export class SqliteCommitThread {
  private readonly calls: RestartingThread<EncodedCommit, { version?: number }>;

  constructor(path: string) {
    this.calls = restartingThread(
      __dirname,
      'sqlite-commit',
      { path },
      { revive: reviveReadStoreError },
    );
    this.calls.start();
  }

  async commit(commit: ProjectionCommit): Promise<number | undefined> {
    return (await this.calls.call(encodeCommit(commit))).version;
  }

  close(): Promise<void> {
    return this.calls.close();
  }
}
