import type { Collection, Db, Filter } from 'mongodb';
import {
  TAKEN,
  type RateLimitStore,
  type TakeResult,
} from '../../platform/rate-limit/rate-limit-store.port';
import { isDuplicateKey } from './mongo-coordination';
import { escapeRegExp } from '../../platform/text/escape-reg-exp';

interface WindowDoc {
  _id: string;
  closesAt: Date;
  count: number;
}

export const RATE_LIMITS = 'rate_limits';

/** Rounds of a take that kept losing races to other instances before it gives up. */
const MAX_ROUNDS = 10;

/** A TTL index: the server drops closed windows (within a minute of closing). */
export async function ensureRateLimitIndexes(db: Db): Promise<void> {
  await db
    .collection<WindowDoc>(RATE_LIMITS)
    .createIndex({ closesAt: 1 }, { name: 'closes_at_ttl', expireAfterSeconds: 0 });
}

/**
 * Counters in the read-model database, one document per key. Every change is
 * one conditional single-document write, so racing instances cannot count
 * past a limit: a hit in an open window with room is one `$inc` guarded by
 * the window and the count; only when that misses does the take look at the
 * window and open a new one, guarded by the window it saw (or by `_id` when
 * there was none). Window times use the caller's clock, as leases do.
 */
export class MongoRateLimits implements RateLimitStore {
  private readonly windows: Collection<WindowDoc>;

  constructor(db: Db) {
    this.windows = db.collection<WindowDoc>(RATE_LIMITS);
  }

  async take(key: string, limit: number, windowMs: number, now: number): Promise<TakeResult> {
    for (let round = 1; round <= MAX_ROUNDS; round += 1) {
      const counted = await this.windows.updateOne(
        { _id: key, closesAt: { $gt: new Date(now) }, count: { $lt: limit } },
        { $inc: { count: 1 } },
      );
      if (counted.matchedCount === 1) return TAKEN;
      const seen = await this.windows.findOne({ _id: key });
      if (seen && seen.closesAt.getTime() > now) {
        if (seen.count >= limit) return { taken: false, windowClosesAt: seen.closesAt.getTime() };
        continue; // a hit was given back meanwhile
      }
      if (await this.open(key, seen, { closesAt: new Date(now + windowMs), count: 1 })) {
        return TAKEN;
      }
    }
    throw new Error(`rate limit ${key}: lost ${MAX_ROUNDS} races in a row`);
  }

  async giveBack(key: string, takenAt: number, windowMs: number): Promise<void> {
    const window = { $gt: new Date(takenAt), $lte: new Date(takenAt + windowMs) };
    await this.windows.updateOne(
      { _id: key, count: { $gt: 0 }, closesAt: window },
      { $inc: { count: -1 } },
    );
  }

  async reset(key: string, now: number): Promise<boolean> {
    return (await this.removeCounting({ _id: key }, now)) === 1;
  }

  async resetMatching(prefix: string, suffix: string, now: number): Promise<number> {
    // An anchored regex without flags walks the _id index like a range. `\z`, not `$`,
    // which would also match before a final line break.
    const pattern = `^${escapeRegExp(prefix)}${suffix ? `[\\s\\S]*${escapeRegExp(suffix)}\\z` : ''}`;
    return this.removeCounting({ _id: { $regex: pattern } }, now);
  }

  /** Deletes what `filter` matches; how many of those held hits in a window open at `now`. */
  private async removeCounting(filter: Filter<WindowDoc>, now: number): Promise<number> {
    const counting = { closesAt: { $gt: new Date(now) }, count: { $gt: 0 } };
    const removed = await this.windows.deleteMany({ ...filter, ...counting });
    await this.windows.deleteMany(filter); // closed or emptied windows, which limit no one
    return removed.deletedCount;
  }

  /** Opens a window in place of `seen` (closed, or none); false when another instance changed it first. */
  private async open(
    key: string,
    seen: WindowDoc | null,
    window: Omit<WindowDoc, '_id'>,
  ): Promise<boolean> {
    try {
      if (!seen) {
        await this.windows.insertOne({ _id: key, ...window });
        return true;
      }
      const reopened = await this.windows.updateOne(
        { _id: key, closesAt: seen.closesAt, count: seen.count },
        { $set: window },
      );
      return reopened.matchedCount === 1;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }
}
