/**
 * Durable checkpoints and leases for background workers (forwarders,
 * projectors, the expiry scheduler). They live with the read models.
 */

export interface Checkpoint {
  /** Last event handled (exclusive resume point); `0n` before the first. */
  position: bigint;
  /** Bumped on every save; a save names the version it read, which fences out a stale writer. */
  version: number;
}

export interface CheckpointStore {
  load(name: string): Promise<Checkpoint>;
  /** Saves and returns the new version; throws CheckpointConflictError if `expectedVersion` is stale. */
  save(name: string, position: bigint, expectedVersion: number): Promise<number>;
}

export interface LeaseStore {
  /** Takes the lease if free or expired, or renews it if `owner` holds it. True when `owner` holds it now. */
  tryAcquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
}

export class CheckpointConflictError extends Error {
  constructor(
    readonly checkpoint: string,
    readonly expectedVersion: number,
  ) {
    super(
      `checkpoint ${checkpoint} moved past version ${expectedVersion}: another instance took over`,
    );
    this.name = 'CheckpointConflictError';
  }
}

export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');
export const LEASE_STORE = Symbol('LEASE_STORE');
