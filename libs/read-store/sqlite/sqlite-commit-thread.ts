import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CheckpointConflictError } from '../coordination.port';
import { ProjectionVersionRetiredError, type ProjectionCommit } from '../read-models.port';

/** An error as it crosses the thread boundary. */
export interface ThreadError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
}

type Reply = { id: number; version?: number; error?: ThreadError };

/**
 * A thread with its own connection to the read-model file that commits for a
 * rebuild, so the main thread projects the next batch while SQLite writes
 * this one. Errors come back as the port's own classes.
 */
export class SqliteCommitThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private nextId = 0;
  private failed?: Error;

  constructor(path: string) {
    // Under ts (tests, tools) the worker compiles its TypeScript the same way the parent does.
    const ext = extname(__filename);
    this.worker = new Worker(join(__dirname, `sqlite-commit.worker${ext}`), {
      workerData: { path },
      execArgv: ext === '.ts' ? ['--require', '@swc-node/register'] : [],
    });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) this.worker.unref();
    });
    const fail = (error: Error) => {
      this.failed ??= error;
      const message = this.failed.message;
      for (const settle of this.waiting.values())
        settle({ id: -1, error: { name: 'Error', message, fields: {} } });
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`read-model commit thread exited (${code})`)));
  }

  commit(commit: ProjectionCommit): Promise<number | undefined> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) =>
        reply.error ? reject(revive(reply.error)) : resolve(reply.version),
      );
      this.worker.ref(); // busy, it must keep the process alive until the commit lands
      this.worker.postMessage({ id, commit });
    });
  }

  async close(): Promise<void> {
    if (this.failed) return;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }
}

export function toThreadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  return { name: error.name, message: error.message, fields: { ...error } };
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
  return Object.assign(new Error(e.message), { name: e.name });
}
