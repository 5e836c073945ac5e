import type Database from 'better-sqlite3';
import {
  checkpointName,
  PARKED_COUNT_LIMIT,
  ProjectionSwitchError,
  type ProjectionTarget,
  type ProjectionVersionState,
  type VersionState,
} from '../read-models.port';
import type { SqliteCoordination } from './sqlite-coordination';
import {
  dropSlotTables,
  slotIndexesSchema,
  slotTables,
  slotTablesSchema,
  statementCache,
} from './sqlite-read-models.schema';

export interface VersionRecord {
  slot: number;
  projection: string;
  version: number;
  state: VersionState;
  last_event_at: string | null;
  updated_at: string | null;
}

/**
 * The version registry: which versions of each projection exist, which one
 * is active, and their slots. Each change is one immediate transaction.
 */
export class SqliteProjectionVersions {
  private readonly sql: (text: string) => Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly coordination: SqliteCoordination,
  ) {
    this.sql = statementCache(db);
  }

  ensure(projection: string): number {
    // A read first: the write lock would hold the caller's event loop while another
    // process holds it, as an ops rebuild does while it drops the version it replaced.
    const ready = this.active(projection);
    if (ready && this.schemaComplete(ready.slot)) return ready.version;
    return this.db
      .transaction(() => {
        this.sql(
          `INSERT INTO rm_projection_versions (projection, version, state)
           SELECT ?, 1, 'active' WHERE NOT EXISTS
             (SELECT 1 FROM rm_projection_versions WHERE projection = ?)`,
        ).run(projection, projection);
        const active = this.active(projection)!;
        this.db.exec(slotTablesSchema(active.slot) + slotIndexesSchema(active.slot));
        return active.version;
      })
      .immediate();
  }

  /** Every table and index a served version needs exists (none added since it was made). */
  private schemaComplete(slot: number): boolean {
    const names = schemaObjects(slotTablesSchema(slot) + slotIndexesSchema(slot));
    const { n } = this.sql(
      `SELECT count(*) AS n FROM sqlite_schema WHERE name IN (SELECT value FROM json_each(?))`,
    ).get(JSON.stringify(names)) as { n: number };
    return n === names.length;
  }

  active(projection: string): VersionRecord | undefined {
    return this.sql(
      `SELECT * FROM rm_projection_versions WHERE projection = ? AND state = 'active'`,
    ).get(projection) as VersionRecord | undefined;
  }

  find(t: ProjectionTarget): VersionRecord | undefined {
    return this.sql(
      `SELECT * FROM rm_projection_versions WHERE projection = ? AND version = ?`,
    ).get(t.projection, t.version) as VersionRecord | undefined;
  }

  /** The slot of a version whose tables exist (not retired). */
  liveSlot(t: ProjectionTarget): number | undefined {
    const v = this.find(t);
    return v && v.state !== 'retired' ? v.slot : undefined;
  }

  states(projection?: string): ProjectionVersionState[] {
    return this.db.transaction(() => {
      const versions = this.sql(
        `SELECT * FROM rm_projection_versions WHERE state <> 'retired' AND (? IS NULL OR projection = ?)
         ORDER BY projection, version`,
      ).all(projection ?? null, projection ?? null) as VersionRecord[];
      return versions.map((v) => ({
        projection: v.projection,
        version: v.version,
        state: v.state,
        position: this.position(v),
        lastEventAt: v.last_event_at,
        updatedAt: v.updated_at,
        parkedEvents: this.parkedCount(v.slot),
      }));
    })();
  }

  /** A count that stops at the limit: SQLite counts a table by walking all of it. */
  private parkedCount(slot: number): number {
    const { n } = this.sql(
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${slotTables(slot).parked} LIMIT ${PARKED_COUNT_LIMIT})`,
    ).get() as { n: number };
    return n;
  }

  beginBuild(projection: string, restart = false): { version: number; resumed: boolean } {
    return this.db
      .transaction(() => {
        const building = this.sql(
          `SELECT * FROM rm_projection_versions WHERE projection = ? AND state = 'building'`,
        ).get(projection) as VersionRecord | undefined;
        if (building && !restart) return { version: building.version, resumed: true };
        if (building) this.retire(building.slot);
        const { top } = this.sql(
          'SELECT max(version) AS top FROM rm_projection_versions WHERE projection = ?',
        ).get(projection) as { top: number | null };
        const version = (top ?? 0) + 1;
        const { lastInsertRowid } = this.sql(
          `INSERT INTO rm_projection_versions (projection, version, state) VALUES (?, ?, 'building')`,
        ).run(projection, version);
        this.db.exec(slotTablesSchema(Number(lastInsertRowid)));
        return { version, resumed: false };
      })
      .immediate();
  }

  /** Builds the list indexes of a building version, once its bulk of rows is written. */
  finishBuild(t: ProjectionTarget): void {
    const v = this.find(t);
    if (v?.state !== 'building')
      throw new ProjectionSwitchError(t.projection, t.version, 'not_building');
    this.db.exec(slotIndexesSchema(v.slot));
  }

  activate(projection: string, version: number, expectedActive: number): void {
    this.db
      .transaction(() => {
        const active = this.active(projection);
        if (active?.version !== expectedActive) {
          throw new ProjectionSwitchError(projection, version, 'active_changed');
        }
        const next = this.find({ projection, version });
        if (next?.state !== 'building') {
          throw new ProjectionSwitchError(projection, version, 'not_building');
        }
        if (this.position(next) < this.position(active)) {
          throw new ProjectionSwitchError(projection, version, 'behind');
        }
        this.db.exec(slotIndexesSchema(next.slot)); // in case finishBuild was skipped
        const setState = this.sql(`UPDATE rm_projection_versions SET state = ? WHERE slot = ?`);
        setState.run('retired', active.slot);
        setState.run('active', next.slot);
      })
      .immediate();
  }

  drop(projection: string, version: number): void {
    this.db
      .transaction(() => {
        const v = this.find({ projection, version });
        if (!v) return;
        if (v.state === 'active') throw new Error(`${projection} version ${version} is active`);
        this.retire(v.slot);
      })
      .immediate();
  }

  /** Notes a checkpoint commit; runs inside the caller's transaction. */
  touch(slot: number, lastEventAt: string | undefined): void {
    this.sql(
      `UPDATE rm_projection_versions
       SET updated_at = ?, last_event_at = coalesce(?, last_event_at) WHERE slot = ?`,
    ).run(new Date().toISOString(), lastEventAt ?? null, slot);
  }

  private position(v: ProjectionTarget): bigint {
    return this.coordination.loadSync(checkpointName(v)).position;
  }

  /** Marks a version retired and drops its tables; its number is never reused. */
  private retire(slot: number): void {
    this.sql(`UPDATE rm_projection_versions SET state = 'retired' WHERE slot = ?`).run(slot);
    this.db.exec(dropSlotTables(slot));
  }
}

/** The tables and indexes a schema script creates. */
const schemaObjects = (schema: string) =>
  [...schema.matchAll(/CREATE (?:UNIQUE )?(?:TABLE|INDEX) IF NOT EXISTS (\w+)/g)].map((m) => m[1]);
