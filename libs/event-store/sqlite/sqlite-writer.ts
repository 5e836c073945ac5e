import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
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
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (outcomes: AppendOutcome[]) => void>();
  private nextId = 0;
  private failed?: Error;

  constructor(path: string, synchronous: 'full' | 'normal') {
    // Under ts (tests, tools) the worker compiles its TypeScript the same way the parent does.
    const ext = extname(__filename);
    this.worker = new Worker(join(__dirname, `sqlite-writer.worker${ext}`), {
      workerData: { path, synchronous },
      execArgv: ext === '.ts' ? ['--require', '@swc-node/register'] : [],
    });
    this.worker.unref();
    this.worker.on('message', ({ id, outcomes }: { id: number; outcomes: AppendOutcome[] }) => {
      this.waiting.get(id)?.(outcomes);
      this.waiting.delete(id);
      // Idle, the thread must not keep the process alive; busy, it must, or an append could be cut off.
      if (this.waiting.size === 0) this.worker.unref();
    });
    const fail = (error: Error) => {
      this.failed = error;
      for (const resolve of this.waiting.values()) resolve([]);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`event store writer exited (${code})`)));
  }

  commit(requests: AppendRequest[]): Promise<AppendOutcome[]> {
    if (this.failed)
      return Promise.resolve(requests.map(() => ({ failure: this.failed!.message })));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, (outcomes) =>
        resolve(
          outcomes.length
            ? outcomes
            : requests.map(() => ({ failure: this.failed?.message ?? 'writer stopped' })),
        ),
      );
      this.worker.ref();
      this.worker.postMessage({ id, requests });
    });
  }

  async close(): Promise<void> {
    if (this.failed) return;
    const exited = new Promise((r) => this.worker.once('exit', r));
    this.worker.ref(); // keep the process up until the writer has closed its connection
    this.worker.postMessage('close');
    await exited;
  }
}
