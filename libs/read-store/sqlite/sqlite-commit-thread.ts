import {
  plainError,
  restartingThread,
  type RestartingThread,
  type ThreadError,
} from '../../platform/workers/thread-calls';
import { CheckpointConflictError } from '../coordination.port';
import { ProjectionVersionRetiredError, type ProjectionCommit } from '../read-models.port';
import { encodeCommit, type EncodedCommit } from './sqlite-read-models.rows';

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
    this.calls = restartingThread(__dirname, 'sqlite-commit', { path }, { revive });
    this.calls.start();
  }

  async commit(commit: ProjectionCommit): Promise<number | undefined> {
    return (await this.calls.call(encodeCommit(commit))).version;
  }

  close(): Promise<void> {
    return this.calls.close();
  }
}

function revive(e: ThreadError): Error {
  if (e.name === 'ProjectionVersionRetiredError') {
    return new ProjectionVersionRetiredError(
      e.fields.target as ProjectionVersionRetiredError['target'],
    );
  }
  if (e.name === 'CheckpointConflictError') {
    return new CheckpointConflictError(
      String(e.fields.checkpoint),
      Number(e.fields.expectedVersion),
    );
  }
  return plainError(e);
}
