import type Database from 'better-sqlite3';

/**
 * Read-model tables. Each version of each projection (`rm_projection_versions`)
 * owns a `slot` and its own set of tables, named by slot: a rebuild fills
 * fresh tables while the active ones serve, builds the list indexes once at
 * the end (sorting once is far cheaper than keeping three B-trees ordered row
 * by row), and dropping a version drops its tables. Positions are SQLite
 * 64-bit integers (bound as bigint).
 */
export const REGISTRY_SCHEMA = `
  CREATE TABLE IF NOT EXISTS rm_projection_versions (
    slot          INTEGER PRIMARY KEY,
    projection    TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('building', 'active', 'retired')),
    last_event_at TEXT,
    updated_at    TEXT,
    UNIQUE (projection, version)
  );
  CREATE UNIQUE INDEX IF NOT EXISTS rm_projection_versions_one_active
    ON rm_projection_versions (projection) WHERE state = 'active';`;

/** The tables of one slot. */
export function slotTables(slot: number) {
  return {
    invitations: `rm_invitations_${slot}`,
    relationships: `rm_relationships_${slot}`,
    invitationRefs: `rm_invitation_refs_${slot}`,
    parked: `rm_parked_events_${slot}`,
  };
}

/**
 * A slot's tables with their keys: all a projection needs to write and look
 * rows up. Rows live in rowid order, the order they were first written, and
 * their key in a unique index: a rebuild's batches then change pages near
 * each other instead of pages all over a B-tree keyed by random ids, which
 * halves what each commit writes.
 */
export function slotTablesSchema(slot: number): string {
  const t = slotTables(slot);
  return `
  CREATE TABLE IF NOT EXISTS ${t.invitations} (
    invitation_id       TEXT    NOT NULL UNIQUE,
    vendor_id           TEXT    NOT NULL,
    email               TEXT    NOT NULL,
    first_name          TEXT    NOT NULL,
    last_name           TEXT    NOT NULL,
    business_name       TEXT,
    customer_number     TEXT,
    status              TEXT    NOT NULL,
    sent_at             TEXT    NOT NULL,
    expires_at          TEXT    NOT NULL,
    accepted_at         TEXT,
    cancelled_at        TEXT,
    expired_at          TEXT,
    customer_company_id TEXT,
    position            INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS ${t.relationships} (
    vendor_id           TEXT    NOT NULL,
    customer_company_id TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    activated_at        TEXT    NOT NULL,
    invitation_id       TEXT    NOT NULL,
    customer_number     TEXT,
    position            INTEGER NOT NULL,
    created_position    INTEGER,
    customer_number_position INTEGER,
    UNIQUE (vendor_id, customer_company_id)
  );
  CREATE TABLE IF NOT EXISTS ${t.invitationRefs} (
    invitation_id   TEXT    NOT NULL UNIQUE,
    vendor_id       TEXT    NOT NULL,
    customer_number TEXT,
    position        INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS ${t.parked} (
    position   INTEGER NOT NULL PRIMARY KEY,
    stream     TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    event_type TEXT    NOT NULL,
    error      TEXT    NOT NULL,
    attempts   INTEGER NOT NULL,
    parked_at  TEXT    NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS ${t.parked}_by_stream ON ${t.parked} (stream);`;
}

/** The indexes the list queries of a served version need; each matches one query's ORDER BY. */
export function slotIndexesSchema(slot: number): string {
  const t = slotTables(slot);
  return `
  CREATE INDEX IF NOT EXISTS ${t.invitations}_by_vendor
    ON ${t.invitations} (vendor_id, sent_at DESC, invitation_id DESC);
  CREATE INDEX IF NOT EXISTS ${t.invitations}_by_vendor_status
    ON ${t.invitations} (vendor_id, status, sent_at DESC, invitation_id DESC);
  CREATE INDEX IF NOT EXISTS ${t.invitations}_by_vendor_email
    ON ${t.invitations} (vendor_id, email, sent_at DESC, invitation_id DESC);
  CREATE INDEX IF NOT EXISTS ${t.relationships}_by_vendor
    ON ${t.relationships} (vendor_id, created_at DESC, customer_company_id DESC);
  CREATE INDEX IF NOT EXISTS ${t.relationships}_by_vendor_status
    ON ${t.relationships} (vendor_id, status, created_at DESC, customer_company_id DESC);
  CREATE INDEX IF NOT EXISTS ${t.relationships}_by_customer
    ON ${t.relationships} (customer_company_id, created_at DESC, vendor_id DESC);
  CREATE INDEX IF NOT EXISTS ${t.relationships}_by_customer_status
    ON ${t.relationships} (customer_company_id, status, created_at DESC, vendor_id DESC);`;
}

export function dropSlotTables(slot: number): string {
  return Object.values(slotTables(slot))
    .map((table) => `DROP TABLE IF EXISTS ${table};`)
    .join('\n');
}

/** Tables of the layout before per-version tables; read models are rebuilt from the event store. */
const SHARED_TABLES = [
  'rm_invitations',
  'rm_relationships',
  'rm_invitation_refs',
  'rm_parked_events',
];

/**
 * Drops read models kept in the earlier shared-table layout, with their
 * versions and checkpoints, so every projection rebuilds from position 0.
 */
export function dropSharedTableLayout(db: Database.Database): boolean {
  const old = db
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rm_invitations'`)
    .get();
  if (!old) return false;
  db.transaction(() => {
    for (const table of SHARED_TABLES) db.exec(`DROP TABLE IF EXISTS ${table}`);
    db.exec(`DELETE FROM checkpoints WHERE name IN
      (SELECT 'projection:' || projection || ':v' || version FROM rm_projection_versions)`);
    db.exec('DELETE FROM rm_projection_versions');
  }).immediate();
  return true;
}

/**
 * Adds the relationship source columns (see RelationshipSources) to the
 * tables of versions made before them. Their rows keep NULL there, which the
 * projection reads as unknown: it guards them by position, as before, until
 * a rebuild.
 */
export function addRelationshipSourceColumns(db: Database.Database): void {
  const missing = (): string[] => {
    const versions = db
      .prepare(`SELECT slot FROM rm_projection_versions WHERE state <> 'retired'`)
      .all() as Array<{ slot: number }>;
    return versions
      .map((v) => slotTables(v.slot).relationships)
      .filter((table) => {
        const columns = db.pragma(`table_info(${table})`) as Array<{ name: string }>;
        return columns.length > 0 && !columns.some((c) => c.name === 'created_position');
      });
  };
  if (missing().length === 0) return;
  db.transaction(() => {
    for (const table of missing()) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN created_position INTEGER;
        ALTER TABLE ${table} ADD COLUMN customer_number_position INTEGER;`);
    }
  }).immediate();
}

/**
 * Prepares each SQL text once per connection. The texts name a version's tables, so each rebuild
 * brings new ones: past `max` the cache starts again rather than keeping every version's.
 */
export function statementCache(
  db: { prepare(text: string): Database.Statement },
  max = 512,
): (text: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (text) => {
    let s = cache.get(text);
    if (!s) {
      if (cache.size >= max) cache.clear();
      cache.set(text, (s = db.prepare(text)));
    }
    return s;
  };
}
