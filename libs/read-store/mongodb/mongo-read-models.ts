import type { Db, Document } from 'mongodb';
import { CheckpointConflictError, type Checkpoint } from '../coordination.port';
import {
  checkpointName,
  type InvitationCursor,
  type InvitationQuery,
  type InvitationRefRow,
  type InvitationRow,
  type InvitationView,
  type Page,
  type ParkedEvent,
  type ProjectionCommit,
  type ProjectionTarget,
  type ProjectionVersionState,
  type ReadModels,
  type RelationshipCursor,
  type RelationshipKey,
  type RelationshipQuery,
  type RelationshipRow,
  type RelationshipView,
} from '../read-models.port';
import { BIGINT_DECODING } from './int64';
import { MongoCoordination } from './mongo-coordination';
import { MongoProjectionVersions } from './mongo-projection-versions';
import {
  invitationId,
  INVITATION_REFS,
  INVITATIONS,
  PARKED,
  relationshipId,
  RELATIONSHIPS,
  ROW_FIELDS,
  slotOf,
  writeRows,
} from './mongo-read-models.documents';
import { MongoReadModelQueries } from './mongo-read-models.queries';
import { MongoTransactions, type TransactionMode } from './mongo-transactions';
import { readActive } from './read-active';

/**
 * Read models in MongoDB, beside the checkpoints.
 *
 * On a replica set or mongos a commit (fence, rows, parked events, checkpoint)
 * is one transaction: all or nothing. On a standalone server there are no
 * transactions, so a commit checks the version and the checkpoint first, then
 * writes rows, then moves the checkpoint with its fence. A crash or a lost race
 * in between leaves rows ahead of the checkpoint; replaying those events
 * rewrites the same rows at the same positions, and the position guard keeps
 * any older write from replacing a newer one, so the replay is harmless.
 * Version switches are single-document compare-and-sets in both modes; without
 * transactions a commit racing a drop may leave rows in the retired slot, which
 * nothing reads and a repeated `dropVersion` deletes.
 */
export class MongoReadModels implements ReadModels {
  private readonly coordination: MongoCoordination;
  private readonly transactions: MongoTransactions;
  private readonly versions: MongoProjectionVersions;
  private readonly queries: MongoReadModelQueries;

  /** Indexes are created by `openMongoReadModels` (see `ensureReadModelIndexes`). */
  constructor(
    private readonly db: Db,
    options: { transactions?: TransactionMode } = {},
  ) {
    this.coordination = new MongoCoordination(db);
    this.transactions = new MongoTransactions(db.client, options.transactions);
    this.versions = new MongoProjectionVersions(db, this.coordination, this.transactions);
    this.queries = new MongoReadModelQueries(db);
  }

  /** Whether commits run as transactions on this deployment. */
  transactional(): Promise<boolean> {
    return this.transactions.enabled();
  }

  ensureProjection(projection: string): Promise<number> {
    return this.versions.ensure(projection);
  }

  activeVersion(projection: string): Promise<number | undefined> {
    return this.versions.active(projection);
  }

  projectionStates(projection?: string): Promise<ProjectionVersionState[]> {
    return this.versions.states(projection);
  }

  beginBuild(projection: string, options: { restart?: boolean } = {}) {
    return this.versions.beginBuild(projection, options.restart ?? false);
  }

  finishBuild(projection: string, version: number): Promise<void> {
    return this.versions.finishBuild({ projection, version });
  }

  activateVersion(projection: string, version: number, expectedActive: number): Promise<void> {
    return this.versions.activate(projection, version, expectedActive);
  }

  dropVersion(projection: string, version: number): Promise<void> {
    return this.versions.drop(projection, version);
  }

  loadCheckpoint(target: ProjectionTarget): Promise<Checkpoint> {
    return this.coordination.load(checkpointName(target));
  }

  loadInvitations(target: ProjectionTarget, ids: string[]): Promise<InvitationRow[]> {
    const slot = slotOf(target);
    return this.byIds(
      INVITATIONS,
      ids.map((id) => invitationId(slot, id)),
    );
  }

  loadInvitationRefs(target: ProjectionTarget, ids: string[]): Promise<InvitationRefRow[]> {
    const slot = slotOf(target);
    return this.byIds(
      INVITATION_REFS,
      ids.map((id) => invitationId(slot, id)),
    );
  }

  loadRelationships(target: ProjectionTarget, keys: RelationshipKey[]): Promise<RelationshipRow[]> {
    const slot = slotOf(target);
    const ids = keys.map((k) => relationshipId(slot, k.vendorId, k.customerCompanyId));
    return this.byIds(RELATIONSHIPS, ids);
  }

  listParked(target: ProjectionTarget, streams?: string[]): Promise<ParkedEvent[]> {
    const byStream = streams ? { streamName: { $in: streams } } : {};
    return this.db
      .collection(PARKED, BIGINT_DECODING)
      .find({ slot: slotOf(target), ...byStream })
      .sort({ position: 1 })
      .project<ParkedEvent>(ROW_FIELDS)
      .toArray();
  }

  async streamsWithParkedEvents(target: ProjectionTarget, streams: string[]): Promise<Set<string>> {
    if (streams.length === 0) return new Set();
    const found: unknown[] = await this.db
      .collection(PARKED)
      .distinct('streamName', { slot: slotOf(target), streamName: { $in: streams } });
    return new Set(found.filter((s): s is string => typeof s === 'string'));
  }

  commit(c: ProjectionCommit): Promise<number | undefined> {
    const name = checkpointName(c.target);
    return this.transactions.run(async (session) => {
      await this.versions.fence(c.target, session);
      const cp = c.checkpoint;
      const stored = cp && (await this.coordination.load(name, session));
      if (cp && stored?.version !== cp.expectedVersion) {
        throw new CheckpointConflictError(name, cp.expectedVersion);
      }
      await writeRows(this.db, slotOf(c.target), c, session);
      if (!cp || !stored) return undefined;
      const version = await this.coordination.save(name, cp.position, cp.expectedVersion, session);
      // A replay's commit keeps the checkpoint where it is: not a sign of the worker at work.
      if (cp.position > stored.position) {
        await this.versions.recordCheckpoint(c.target, cp.lastEventAt, session);
      }
      return version;
    });
  }

  listInvitations(
    projection: string,
    query: InvitationQuery,
  ): Promise<Page<InvitationView, InvitationCursor>> {
    return this.readActive(projection, (slot) => this.queries.invitations(slot, query), {
      items: [],
    });
  }

  listRelationships(
    projection: string,
    query: RelationshipQuery,
  ): Promise<Page<RelationshipView, RelationshipCursor>> {
    return this.readActive(projection, (slot) => this.queries.relationships(slot, query), {
      items: [],
    });
  }

  private async byIds<R extends Document>(collection: string, ids: Document[]): Promise<R[]> {
    if (ids.length === 0) return [];
    const filter: Document = { _id: { $in: ids } }; // compound _ids: typed filters expect scalars
    return this.db
      .collection(collection, BIGINT_DECODING)
      .find(filter)
      .project<R>(ROW_FIELDS)
      .toArray();
  }

  private readActive<P>(projection: string, read: (slot: string) => Promise<P>, none: P) {
    return readActive(
      () => this.versions.active(projection),
      (version) => read(slotOf({ projection, version })),
      none,
    );
  }
}
