import type Database from 'better-sqlite3';

/**
 * Read-model tables. Every row belongs to a `slot`: one version of one
 * projection (`rm_projection_versions`), so a rebuild writes a new slot while
 * the active one serves, and dropping a version deletes by slot. Positions are
 * SQLite 64-bit integers (bound as bigint).
 */
export const READ_MODEL_SCHEMA = `
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
    ON rm_projection_versions (projection) WHERE state = 'active';

  CREATE TABLE IF NOT EXISTS rm_invitations (
    slot                INTEGER NOT NULL,
    invitation_id       TEXT    NOT NULL,
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
    position            INTEGER NOT NULL,
    PRIMARY KEY (slot, invitation_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rm_invitations_by_vendor
    ON rm_invitations (slot, vendor_id, sent_at DESC, invitation_id DESC);
  CREATE INDEX IF NOT EXISTS rm_invitations_by_vendor_status
    ON rm_invitations (slot, vendor_id, status, sent_at DESC, invitation_id DESC);
  CREATE INDEX IF NOT EXISTS rm_invitations_by_vendor_email
    ON rm_invitations (slot, vendor_id, email, sent_at DESC, invitation_id DESC);

  CREATE TABLE IF NOT EXISTS rm_relationships (
    slot                INTEGER NOT NULL,
    vendor_id           TEXT    NOT NULL,
    customer_company_id TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    activated_at        TEXT    NOT NULL,
    invitation_id       TEXT    NOT NULL,
    customer_number     TEXT,
    position            INTEGER NOT NULL,
    PRIMARY KEY (slot, vendor_id, customer_company_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rm_relationships_by_vendor
    ON rm_relationships (slot, vendor_id, created_at DESC, customer_company_id DESC);
  CREATE INDEX IF NOT EXISTS rm_relationships_by_vendor_status
    ON rm_relationships (slot, vendor_id, status, created_at DESC, customer_company_id DESC);
  CREATE INDEX IF NOT EXISTS rm_relationships_by_customer
    ON rm_relationships (slot, customer_company_id, created_at DESC, vendor_id DESC);
  CREATE INDEX IF NOT EXISTS rm_relationships_by_customer_status
    ON rm_relationships (slot, customer_company_id, status, created_at DESC, vendor_id DESC);

  CREATE TABLE IF NOT EXISTS rm_invitation_refs (
    slot            INTEGER NOT NULL,
    invitation_id   TEXT    NOT NULL,
    vendor_id       TEXT    NOT NULL,
    customer_number TEXT,
    position        INTEGER NOT NULL,
    PRIMARY KEY (slot, invitation_id)
  ) WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS rm_parked_events (
    slot       INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    stream     TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    event_type TEXT    NOT NULL,
    error      TEXT    NOT NULL,
    attempts   INTEGER NOT NULL,
    parked_at  TEXT    NOT NULL,
    PRIMARY KEY (slot, position)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rm_parked_events_by_stream ON rm_parked_events (slot, stream);
`;

export const ROW_TABLES = [
  'rm_invitations',
  'rm_relationships',
  'rm_invitation_refs',
  'rm_parked_events',
] as const;

/** Prepares each SQL text once per connection. */
export function statementCache(db: Database.Database): (text: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (text) => {
    let s = cache.get(text);
    if (!s) cache.set(text, (s = db.prepare(text)));
    return s;
  };
}
