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
import { SqliteCoordination } from './sqlite-coordination';
import { SqliteReadModelQueries } from './sqlite-read-models.queries';
import {
  invitationFromRecord,
  invitationRefFromRecord,
  parkedFromRecord,
  relationshipFromRecord,
  UPSERT_INVITATION,
  UPSERT_INVITATION_REF,
  UPSERT_PARKED,
  UPSERT_RELATIONSHIP,
  type InvitationRecord,
  type InvitationRefRecord,
  type ParkedRecord,
  type RelationshipRecord,
} from './sqlite-read-models.rows';
import { READ_MODEL_SCHEMA, statementCache } from './sqlite-read-models.schema';
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
  private readonly commitTx: Database.Transaction<(c: ProjectionCommit) => number | undefined>;

  constructor(private readonly db: Database.Database) {
    db.exec(READ_MODEL_SCHEMA);
    this.coordination = new SqliteCoordination(db);
    this.queries = new SqliteReadModelQueries(db);
    this.versions = new SqliteProjectionVersions(db, this.coordination);
    this.sql = statementCache(db);
    this.commitTx = db.transaction((c: ProjectionCommit) => this.write(c));
  }

  async ensureProjection(projection: string): Promise<number> {
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
    return this.loadByIds<InvitationRecord>('rm_invitations', target, ids).map(
      invitationFromRecord,
    );
  }

  async loadInvitationRefs(target: ProjectionTarget, ids: string[]): Promise<InvitationRefRow[]> {
    return this.loadByIds<InvitationRefRecord>('rm_invitation_refs', target, ids).map(
      invitationRefFromRecord,
    );
  }

  async loadRelationships(
    target: ProjectionTarget,
    keys: RelationshipKey[],
  ): Promise<RelationshipRow[]> {
    const slot = this.versions.find(target)?.slot;
    if (slot === undefined || keys.length === 0) return [];
    const pairs = JSON.stringify(keys.map((k) => [k.vendorId, k.customerCompanyId]));
    const rows = this.sql(
      `SELECT * FROM rm_relationships WHERE slot = ? AND (vendor_id, customer_company_id) IN
         (SELECT value ->> 0, value ->> 1 FROM json_each(?))`,
    )
      .safeIntegers(true)
      .all(slot, pairs) as RelationshipRecord[];
    return rows.map(relationshipFromRecord);
  }

  async listParked(target: ProjectionTarget): Promise<ParkedEvent[]> {
    const slot = this.versions.find(target)?.slot;
    if (slot === undefined) return [];
    const rows = this.sql('SELECT * FROM rm_parked_events WHERE slot = ? ORDER BY position')
      .safeIntegers(true)
      .all(slot) as ParkedRecord[];
    return rows.map(parkedFromRecord);
  }

  async streamsWithParkedEvents(target: ProjectionTarget, streams: string[]): Promise<Set<string>> {
    const slot = this.versions.find(target)?.slot;
    if (slot === undefined || streams.length === 0) return new Set();
    const rows = this.sql(
      `SELECT DISTINCT stream FROM rm_parked_events
       WHERE slot = ? AND stream IN (SELECT value FROM json_each(?))`,
    ).all(slot, JSON.stringify(streams)) as Array<{ stream: string }>;
    return new Set(rows.map((r) => r.stream));
  }

  async commit(commit: ProjectionCommit): Promise<number | undefined> {
    return this.commitTx.immediate(commit);
  }

  private write(c: ProjectionCommit): number | undefined {
    const v = this.versions.find(c.target);
    if (!v || v.state === 'retired') throw new ProjectionVersionRetiredError(c.target);
    const slot = v.slot;
    let checkpointVersion: number | undefined;
    if (c.checkpoint) {
      const { position, expectedVersion, lastEventAt } = c.checkpoint;
      checkpointVersion = this.coordination.saveSync(
        checkpointName(c.target),
        position,
        expectedVersion,
      );
      this.sql(
        `UPDATE rm_projection_versions
           SET updated_at = ?, last_event_at = coalesce(?, last_event_at) WHERE slot = ?`,
      ).run(new Date().toISOString(), lastEventAt ?? null, slot);
    }
    const upsert = (text: string, rows: object[] = []) => {
      const s = this.sql(text);
      for (const row of rows) s.run({ ...row, slot });
    };
    upsert(UPSERT_INVITATION, c.invitations);
    upsert(UPSERT_RELATIONSHIP, c.relationships);
    upsert(UPSERT_INVITATION_REF, c.invitationRefs);
    upsert(UPSERT_PARKED, c.park);
    const unpark = this.sql('DELETE FROM rm_parked_events WHERE slot = ? AND position = ?');
    for (const position of c.unpark ?? []) unpark.run(slot, position);
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

  private loadByIds<R>(table: string, target: ProjectionTarget, ids: string[]): R[] {
    const slot = this.versions.find(target)?.slot;
    if (slot === undefined || ids.length === 0) return [];
    return this.sql(
      `SELECT * FROM ${table} WHERE slot = ? AND invitation_id IN (SELECT value FROM json_each(?))`,
    )
      .safeIntegers(true)
      .all(slot, JSON.stringify(ids)) as R[];
  }
}
