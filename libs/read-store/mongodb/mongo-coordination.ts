import { MongoServerError, type ClientSession, type Collection, type Db } from 'mongodb';
import {
  CheckpointConflictError,
  type Checkpoint,
  type CheckpointStore,
  type LeaseStore,
} from '../coordination.port';
import { BIGINT_DECODING, fromInt64, toInt64 } from './int64';

interface CheckpointDoc {
  _id: string;
  /** int64 */
  position: bigint;
  version: number;
}

interface LeaseDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}

export const CHECKPOINTS = 'checkpoints';
export const LEASES = 'leases';

export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

/**
 * Checkpoints and leases in the read-model database. A checkpoint save names
 * the version it read. Lease expiry runs on the server's clock (`$$NOW`), so
 * instances on other machines need not agree on the time.
 */
export class MongoCoordination implements CheckpointStore, LeaseStore {
  private readonly checkpoints: Collection<CheckpointDoc>;
  private readonly leases: Collection<LeaseDoc>;

  constructor(db: Db) {
    this.checkpoints = db.collection<CheckpointDoc>(CHECKPOINTS, BIGINT_DECODING);
    this.leases = db.collection<LeaseDoc>(LEASES);
  }

  async load(name: string, session?: ClientSession): Promise<Checkpoint> {
    const doc = await this.checkpoints.findOne({ _id: name }, { session });
    // Past 2^31 - 1 saves the server keeps the incremented version as a 64-bit integer, which
    // this collection decodes as a bigint: as a number it still compares and adds.
    return doc
      ? { position: fromInt64(doc.position), version: Number(doc.version) }
      : { position: 0n, version: 0 };
  }

  /** Pass `session` to save inside a read-model transaction. */
  async save(
    name: string,
    position: bigint,
    expectedVersion: number,
    session?: ClientSession,
  ): Promise<number> {
    const stored = toInt64(position);
    if (expectedVersion === 0) {
      try {
        await this.checkpoints.insertOne({ _id: name, position: stored, version: 1 }, { session });
      } catch (error) {
        if (isDuplicateKey(error)) throw new CheckpointConflictError(name, expectedVersion);
        throw error;
      }
      return 1;
    }
    const result = await this.checkpoints.updateOne(
      { _id: name, version: expectedVersion },
      { $set: { position: stored }, $inc: { version: 1 } },
      { session },
    );
    if (result.matchedCount !== 1) throw new CheckpointConflictError(name, expectedVersion);
    return expectedVersion + 1;
  }

  async tryAcquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const us = { $literal: owner };
    const free = {
      $or: [
        { $eq: ['$owner', us] },
        { $eq: [{ $type: '$owner' }, 'missing'] }, // just inserted by this upsert
        { $lt: ['$expiresAt', '$$NOW'] },
        // Granted later than now: the server's clock went back (a step, a failover to a node
        // behind), and the lease would otherwise hold off takeover by the size of the step.
        { $gt: ['$grantedAt', '$$NOW'] },
      ],
    };
    const claim = {
      _id: { $literal: name },
      owner: us,
      expiresAt: { $add: ['$$NOW', ttlMs] },
      grantedAt: '$$NOW',
    };
    try {
      // One atomic upsert by _id alone (so the server retries a racing insert as an update):
      // the lease becomes ours when we hold it, it has expired, or it did not exist.
      const lease = await this.leases.findOneAndUpdate(
        { _id: name },
        [{ $replaceWith: { $cond: [free, claim, '$$ROOT'] } }],
        { upsert: true, returnDocument: 'after' },
      );
      return lease?.owner === owner;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async release(name: string, owner: string): Promise<void> {
    await this.leases.deleteOne({ _id: name, owner });
  }
}
