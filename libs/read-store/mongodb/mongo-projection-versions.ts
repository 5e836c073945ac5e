import type { ClientSession, Collection, Db } from 'mongodb';
import {
  checkpointName,
  PARKED_COUNT_LIMIT,
  ProjectionSwitchError,
  ProjectionVersionRetiredError,
  type ProjectionSwitchProblem,
  type ProjectionTarget,
  type ProjectionVersionState,
} from '../read-models.port';
import { isDuplicateKey, type MongoCoordination } from './mongo-coordination';
import { deleteSlot, PARKED, slotOf } from './mongo-read-models.documents';
import type { MongoTransactions } from './mongo-transactions';

interface VersionMeta {
  lastEventAt?: string;
  updatedAt?: string;
}

/**
 * One document per projection holds its whole lifecycle, so every switch is a
 * single-document compare-and-set: a version is active, building, or (any
 * other number up to `top`) retired.
 */
interface ProjectionDoc {
  _id: string;
  active: number;
  building: number | null;
  /** Highest version ever opened: numbers are never reused. */
  top: number;
  /** Bumped by every commit, so in a transaction a commit and a switch conflict. */
  writes: number;
  meta?: Record<string, VersionMeta>;
}

export const PROJECTIONS = 'rm_projections';
const meta = (version: number) => `meta.v${version}`;

export class MongoProjectionVersions {
  private readonly docs: Collection<ProjectionDoc>;

  constructor(
    private readonly db: Db,
    private readonly coordination: MongoCoordination,
    private readonly transactions: MongoTransactions,
  ) {
    this.docs = db.collection<ProjectionDoc>(PROJECTIONS);
  }

  async ensure(projection: string): Promise<number> {
    await this.docs
      .updateOne(
        { _id: projection },
        { $setOnInsert: { active: 1, building: null, top: 1, writes: 0 } },
        { upsert: true },
      )
      .catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error; // a racing instance created it
      });
    const doc = await this.get(projection);
    if (!doc) throw new Error(`projection ${projection} vanished`);
    return doc.active;
  }

  async active(projection: string): Promise<number | undefined> {
    return (await this.get(projection))?.active;
  }

  async beginBuild(projection: string, restart: boolean) {
    await this.ensure(projection);
    for (;;) {
      const doc = await this.get(projection);
      if (!doc) throw new Error(`projection ${projection} vanished`);
      const old = doc.building;
      if (old !== null && !restart) return { version: old, resumed: true };
      const version = doc.top + 1;
      const opened = await this.docs.updateOne(
        { _id: projection, top: doc.top, building: old },
        old === null
          ? { $set: { building: version, top: version } }
          : { $set: { building: version, top: version }, $unset: { [meta(old)]: '' } },
      );
      if (opened.matchedCount !== 1) continue; // another instance moved first: look again
      if (old !== null) await deleteSlot(this.db, slotOf({ projection, version: old }));
      return { version, resumed: false };
    }
  }

  /** Versions share collections whose indexes exist from the start: only the state is checked. */
  async finishBuild(t: ProjectionTarget): Promise<void> {
    if ((await this.get(t.projection))?.building !== t.version)
      throw new ProjectionSwitchError(t.projection, t.version, 'not_building');
  }

  async activate(projection: string, version: number, expectedActive: number): Promise<void> {
    await this.transactions.run(async (session) => {
      const problem = switchProblem(await this.get(projection, session), version, expectedActive);
      if (problem) throw new ProjectionSwitchError(projection, version, problem);
      const position = async (v: number) =>
        (await this.coordination.load(checkpointName({ projection, version: v }), session))
          .position;
      if ((await position(version)) < (await position(expectedActive))) {
        throw new ProjectionSwitchError(projection, version, 'behind');
      }
      const switched = await this.docs.updateOne(
        { _id: projection, active: expectedActive, building: version },
        { $set: { active: version, building: null }, $inc: { writes: 1 } },
        { session },
      );
      if (switched.matchedCount === 1) return;
      const now = switchProblem(await this.get(projection, session), version, expectedActive);
      throw new ProjectionSwitchError(projection, version, now ?? 'active_changed');
    });
  }

  async drop(projection: string, version: number): Promise<void> {
    await this.docs.updateOne({ _id: projection, building: version }, { $set: { building: null } });
    const doc = await this.get(projection);
    if (!doc || version < 1 || version > doc.top) return;
    if (doc.active === version) throw new Error(`${projection} version ${version} is active`);
    await this.docs.updateOne({ _id: projection }, { $unset: { [meta(version)]: '' } });
    await deleteSlot(this.db, slotOf({ projection, version }));
  }

  /** Refuses a commit to a retired version; in a transaction it also orders the commit against switches. */
  async fence(target: ProjectionTarget, session?: ClientSession): Promise<void> {
    const { projection, version } = target;
    const open = await this.docs.updateOne(
      { _id: projection, $or: [{ active: version }, { building: version }] },
      { $inc: { writes: 1 } },
      { session },
    );
    if (open.matchedCount !== 1) throw new ProjectionVersionRetiredError(target);
  }

  async recordCheckpoint(t: ProjectionTarget, lastEventAt?: string, session?: ClientSession) {
    const set: Record<string, string> = {
      [`${meta(t.version)}.updatedAt`]: new Date().toISOString(),
    };
    if (lastEventAt) set[`${meta(t.version)}.lastEventAt`] = lastEventAt;
    await this.docs.updateOne({ _id: t.projection }, { $set: set }, { session });
  }

  async states(projection?: string): Promise<ProjectionVersionState[]> {
    const docs = await this.docs
      .find(projection === undefined ? {} : { _id: projection })
      .sort({ _id: 1 })
      .toArray();
    const open = docs.flatMap((doc) => [
      { doc, version: doc.active, state: 'active' as const },
      ...(doc.building === null
        ? []
        : [{ doc, version: doc.building, state: 'building' as const }]),
    ]);
    const parked = await this.parkedCounts(
      open.map((o) => slotOf({ projection: o.doc._id, version: o.version })),
    );
    return Promise.all(
      open.map(async ({ doc, version, state }) => {
        const target = { projection: doc._id, version };
        const m = doc.meta?.[`v${version}`];
        return {
          projection: doc._id,
          version,
          state,
          position: (await this.coordination.load(checkpointName(target))).position,
          lastEventAt: m?.lastEventAt ?? null,
          updatedAt: m?.updatedAt ?? null,
          parkedEvents: parked.get(slotOf(target)) ?? 0,
        };
      }),
    );
  }

  private get(projection: string, session?: ClientSession): Promise<ProjectionDoc | null> {
    return this.docs.findOne({ _id: projection }, { session });
  }

  /** Each slot's count stops at the limit: one index key read per parked event counted. */
  private async parkedCounts(slots: string[]): Promise<Map<string, number>> {
    const parked = this.db.collection(PARKED);
    const counts = await Promise.all(
      slots.map(
        async (slot) =>
          [slot, await parked.countDocuments({ slot }, { limit: PARKED_COUNT_LIMIT })] as const,
      ),
    );
    return new Map(counts);
  }
}

function switchProblem(
  doc: ProjectionDoc | null,
  version: number,
  expectedActive: number,
): ProjectionSwitchProblem | undefined {
  if (doc?.active !== expectedActive) return 'active_changed';
  if (doc.building !== version) return 'not_building';
  return undefined;
}
