import { restartingThread, type RestartingThread } from '../../platform/workers/thread-calls';
import type { Checkpoint, CheckpointStore, LeaseStore } from '../coordination.port';
import { reviveReadStoreError } from './sqlite-thread-errors';

export type CoordinationCall =
  | { op: 'load'; name: string }
  | { op: 'save'; name: string; position: bigint; expectedVersion: number }
  | { op: 'tryAcquire'; name: string; owner: string; ttlMs: number }
  | { op: 'release'; name: string; owner: string };

/**
 * Checkpoints and leases in the read-model file, written from a thread with
 * a connection of its own. Every process sharing the file writes to it, and
 * another process's long transaction (a rebuild's batch commit or its index
 * build, held for up to a few hundred milliseconds) makes a writer wait for
 * the lock: a forwarder's checkpoint save or a lease renewal then waits on
 * this thread instead of holding the service's event loop.
 */
export class SqliteCoordinationThread implements CheckpointStore, LeaseStore {
  private readonly thread: RestartingThread<CoordinationCall, { value: unknown }>;

  constructor(path: string) {
    this.thread = restartingThread(
      __dirname,
      'sqlite-coordination',
      { path },
      { revive: reviveReadStoreError },
    );
  }

  async load(name: string): Promise<Checkpoint> {
    return (await this.call({ op: 'load', name })) as Checkpoint;
  }

  async save(name: string, position: bigint, expectedVersion: number): Promise<number> {
    return (await this.call({ op: 'save', name, position, expectedVersion })) as number;
  }

  async tryAcquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.call({ op: 'tryAcquire', name, owner, ttlMs })) as boolean;
  }

  async release(name: string, owner: string): Promise<void> {
    await this.call({ op: 'release', name, owner });
  }

  close(): Promise<void> {
    return this.thread.close();
  }

  private async call(call: CoordinationCall): Promise<unknown> {
    return (await this.thread.call(call)).value;
  }
}
