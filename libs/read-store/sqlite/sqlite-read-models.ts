import type Database from 'better-sqlite3';
import type { Checkpoint } from '../coordination.port';
import {
  checkpointName,
  ProjectionVersionRetiredError,
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
import { SqliteCommitThread } from './sqlite-commit-thread';
import { SqliteCoordination } from './sqlite-coordination';
import { SqliteReadModelQueries } from './sqlite-read-models.queries';
import {
  invitationFromRecord,
  invitationRefFromRecord,
  parkedFromRecord,
  relationshipFromRecord,
  encodeCommit,
  type EncodedCommit,
  upsertInvitation,
  upsertInvitationRef,
  upsertParked,
  upsertRelationship,
  type InvitationRecord,
  type InvitationRefRecord,
  type ParkedRecord,
  type RelationshipRecord,
} from './sqlite-read-models.rows';
import {
  addRelationshipSourceColumns,
  dropSharedTableLayout,
  REGISTRY_SCHEMA,
  slotTables,
  statementCache,
} from './sqlite-read-models.schema';
import { SqliteProjectionVersions } from './sqlite-read-models.versions';

/**
 * Read models in the SQLite read-model file, beside the checkpoints: a commit
 * writes rows, parked events and the checkpoint in one transaction.
 */
export class SqliteReadModels implements ReadModels {
  private readonly coordination: SqliteCoordination;
  private readonly queries: SqliteReadModelQueries;
  private readonly versions: SqliteProjectionVersions;
  private readonly sql: (text: string) => Database.Statement;
  private readonly commitTx: Database.Transaction<(c: EncodedCommit) => number | undefined>;

  private thread?: SqliteCommitThread;

  /**
   * With `commitThread`, commits go to a thread with its own connection: a
   * rebuild's overlap projecting its next batch, and a live projector's wait
   * there, not on the event loop, while another process holds the file's
   * lock (an ops rebuild's batch commit or index build).
   */
  constructor(
    private readonly db: Database.Database,
    private readonly options: { commitThread?: boolean } = {},
  ) {
    db.exec(REGISTRY_SCHEMA);
    this.coordination = new SqliteCoordination(db);
    dropSharedTableLayout(db);
    addRelationshipSourceColumns(db);
    this.queries = new SqliteReadModelQueries(db);
    this.versions = new SqliteProjectionVersions(db, this.coordination);
    this.sql = statementCache(db);
    this.commitTx = db.transaction((c: EncodedCommit) => this.write(c));
  }

  async ensureProjection(projection: string): Promise<number> {
    // A process that projects starts its commit thread now, so the first batch does not wait for it.
    this.committer();
    return this.versions.ensure(projection);
  }

  async activeVersion(projection: string): Promise<number | undefined> {
    return this.versions.active(projection)?.version;
  }

  async projectionStates(projection?: string): Promise<ProjectionVersionState[]> {
    return this.versions.states(projection);
  }

  async beginBuild(
    projection: string,
    options: { restart?: boolean } = {},
  ): Promise<{ version: number; resumed: boolean }> {
    return this.versions.beginBuild(projection, options.restart);
  }

  async finishBuild(projection: string, version: number): Promise<void> {
    this.versions.finishBuild({ projection, version });
  }

  async activateVersion(
    projection: string,
    version: number,
    expectedActive: number,
  ): Promise<void> {
    this.versions.activate(projection, version, expectedActive);
  }

  async dropVersion(projection: string, version: number): Promise<void> {
    this.versions.drop(projection, version);
  }

  async loadCheckpoint(target: ProjectionTarget): Promise<Checkpoint> {
    return this.coordination.loadSync(checkpointName(target));
  }

  async loadInvitations(target: ProjectionTarget, ids: string[]): Promise<InvitationRow[]> {
    return this.loadByIds<InvitationRecord>('invitations', target, ids).map(invitationFromRecord);
  }

  async loadInvitationRefs(target: ProjectionTarget, ids: string[]): Promise<InvitationRefRow[]> {
    return this.loadByIds<InvitationRefRecord>('invitationRefs', target, ids).map(
      invitationRefFromRecord,
    );
  }

  async loadRelationships(
    target: ProjectionTarget,
    keys: RelationshipKey[],
  ): Promise<RelationshipRow[]> {
    const slot = this.versions.liveSlot(target);
    if (slot === undefined || keys.length === 0) return [];
    const pairs = JSON.stringify(keys.map((k) => [k.vendorId, k.customerCompanyId]));
    const rows = this.sql(
      `SELECT * FROM ${slotTables(slot).relationships} WHERE (vendor_id, customer_company_id) IN
         (SELECT value ->> 0, value ->> 1 FROM json_each(?))`,
    )
      .safeIntegers(true)
      .all(pairs) as RelationshipRecord[];
    return rows.map(relationshipFromRecord);
  }

  async listParked(target: ProjectionTarget, streams?: string[]): Promise<ParkedEvent[]> {
    const slot = this.versions.liveSlot(target);
    if (slot === undefined || streams?.length === 0) return [];
    const table = slotTables(slot).parked;
    // The given streams through the by-stream index, not every parked row with its error.
    const rows = (
      streams
        ? this.sql(
            `SELECT * FROM ${table} WHERE stream IN (SELECT value FROM json_each(?)) ORDER BY position`,
          )
            .safeIntegers(true)
            .all(JSON.stringify(streams))
        : this.sql(`SELECT * FROM ${table} ORDER BY position`).safeIntegers(true).all()
    ) as ParkedRecord[];
    return rows.map(parkedFromRecord);
  }

  async streamsWithParkedEvents(target: ProjectionTarget, streams: string[]): Promise<Set<string>> {
    const slot = this.versions.liveSlot(target);
    if (slot === undefined || streams.length === 0) return new Set();
    const table = slotTables(slot).parked;
    // Usually nothing is parked: then a live batch need not bind its hundreds of streams.
    if (this.sql(`SELECT 1 FROM ${table} LIMIT 1`).get() === undefined) return new Set();
    const rows = this.sql(
      `SELECT DISTINCT stream FROM ${table} WHERE stream IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(streams)) as Array<{ stream: string }>;
    return new Set(rows.map((r) => r.stream));
  }

  async commit(commit: ProjectionCommit): Promise<number | undefined> {
    const thread = this.committer();
    return thread ? thread.commit(commit) : this.commitNow(commit);
  }

  /** Commits on this connection, in one immediate transaction. */
  commitNow(commit: ProjectionCommit): number | undefined {
    return this.commitEncoded(encodeCommit(commit));
  }

  /** `commitNow` for a commit encoded already (the commit thread receives them so). */
  commitEncoded(commit: EncodedCommit): number | undefined {
    return this.commitTx.immediate(commit);
  }

  async close(): Promise<void> {
    await this.thread?.close();
    this.thread = undefined;
  }

  /** The commit thread, started on first use; none without `commitThread` or for `:memory:`. */
  private committer(): SqliteCommitThread | undefined {
    if (!this.options.commitThread || this.db.memory) return undefined;
    return (this.thread ??= new SqliteCommitThread(this.db.name));
  }

  private write(c: EncodedCommit): number | undefined {
    const v = this.versions.find(c.target);
    if (!v || v.state === 'retired') throw new ProjectionVersionRetiredError(c.target);
    let checkpointVersion: number | undefined;
    if (c.checkpoint) {
      const { position, expectedVersion, lastEventAt } = c.checkpoint;
      const name = checkpointName(c.target);
      const before = this.coordination.loadSync(name).position;
      checkpointVersion = this.coordination.saveSync(name, position, expectedVersion);
      // A replay's commit keeps the checkpoint where it is: not a sign of the worker at work.
      if (position > before) this.versions.touch(v.slot, lastEventAt);
    }
    const t = slotTables(v.slot);
    const upsert = (text: string, rows: unknown[][]) => {
      if (rows.length === 0) return;
      const s = this.sql(text);
      for (const row of rows) s.run(row);
    };
    upsert(upsertInvitation(t.invitations), c.invitations);
    upsert(upsertRelationship(t.relationships), c.relationships);
    upsert(upsertInvitationRef(t.invitationRefs), c.invitationRefs);
    upsert(upsertParked(t.parked), c.park);
    const unpark = this.sql(`DELETE FROM ${t.parked} WHERE position = ?`);
    for (const position of c.unpark ?? []) unpark.run(position);
    return checkpointVersion;
  }

  async listInvitations(
    projection: string,
    query: InvitationQuery,
  ): Promise<Page<InvitationView, InvitationCursor>> {
    return this.readActive(projection, { items: [] }, (slot) =>
      this.queries.invitations(slot, query),
    );
  }

  async listRelationships(
    projection: string,
    query: RelationshipQuery,
  ): Promise<Page<RelationshipView, RelationshipCursor>> {
    return this.readActive(projection, { items: [] }, (slot) =>
      this.queries.relationships(slot, query),
    );
  }

  /** Resolves the active version and reads it in one snapshot, so a switch never shows a mix. */
  private async readActive<T>(projection: string, none: T, read: (slot: number) => T): Promise<T> {
    return this.db.transaction(() => {
      const active = this.versions.active(projection);
      return active ? read(active.slot) : none;
    })();
  }

  private loadByIds<R>(
    table: 'invitations' | 'invitationRefs',
    target: ProjectionTarget,
    ids: string[],
  ): R[] {
    const slot = this.versions.liveSlot(target);
    if (slot === undefined || ids.length === 0) return [];
    return this.sql(
      `SELECT * FROM ${slotTables(slot)[table]} WHERE invitation_id IN (SELECT value FROM json_each(?))`,
    )
      .safeIntegers(true)
      .all(JSON.stringify(ids)) as R[];
  }
}
