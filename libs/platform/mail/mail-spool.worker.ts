// The mail spool's thread: one SQLite connection, commits batched per turn of its event loop.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { workerData } from 'node:worker_threads';
import { serveCalls } from '../workers/thread-calls';
import type { MailMessage } from './mailer';
import type { MailProof, SpoolCall, SpooledMail } from './mail-spool';
import { makeDirectory } from '../fs/make-directory';

const { path } = workerData as { path: string };
makeDirectory(dirname(path));
// It holds the links of emails not delivered yet: readable by the service's user only (its WAL
// takes the same mode), and a removed row is overwritten, not left in free pages.
closeSync(openSync(path, 'a', 0o600));
// The WAL and shared memory left by a run before this mode, too.
for (const file of [path, `${path}-wal`, `${path}-shm`]) {
  if (existsSync(file)) chmodSync(file, 0o600);
}
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('secure_delete = ON');
// AUTOINCREMENT: an id is never given twice. The queue takes rows in beyond the highest id it
// has held, so a reused id (SQLite reuses them once the highest rows are gone) was never sent.
const TABLE = (name: string) => `CREATE TABLE ${name} (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  key        TEXT UNIQUE,
  label      TEXT NOT NULL,
  message    TEXT NOT NULL,
  proof      TEXT,
  spooled_at TEXT NOT NULL
)`;
const existing = db
  .prepare<[], { sql: string }>(
    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'mail_spool'",
  )
  .get();
if (!existing) db.exec(TABLE('mail_spool'));
else if (!/AUTOINCREMENT/i.test(existing.sql)) {
  // A spool from before: the same rows in a table that does not reuse ids.
  db.transaction(() => {
    db.exec(`${TABLE('mail_spool_next')};
      INSERT INTO mail_spool_next (id, label, message, spooled_at)
        SELECT id, label, message, spooled_at FROM mail_spool;
      DROP TABLE mail_spool;
      ALTER TABLE mail_spool_next RENAME TO mail_spool;`);
  }).immediate();
}
// A save names its message by a key, so saving it again after an answer was lost (the thread
// died after its commit) finds the row instead of adding a second copy that would be sent twice.
const columns = db.prepare<[], { name: string }>('PRAGMA table_info(mail_spool)').all();
if (!columns.some((c) => c.name === 'key')) {
  db.exec(`ALTER TABLE mail_spool ADD COLUMN key TEXT;
    CREATE UNIQUE INDEX mail_spool_key ON mail_spool (key);`);
}
// What the message's command recorded, so a delivery can tell whether it is still wanted.
if (!columns.some((c) => c.name === 'proof')) {
  db.exec('ALTER TABLE mail_spool ADD COLUMN proof TEXT');
}
// Mails written down before their command commits (see MailIntents).
db.exec(`CREATE TABLE IF NOT EXISTS mail_intents (
  key         TEXT PRIMARY KEY,
  label       TEXT NOT NULL,
  message     TEXT NOT NULL,
  proof       TEXT NOT NULL,
  intended_at TEXT NOT NULL
)`);
const intend = db.prepare(
  'INSERT OR REPLACE INTO mail_intents (key, label, message, proof, intended_at) VALUES (?, ?, ?, ?, ?)',
);
const dropIntent = db.prepare('DELETE FROM mail_intents WHERE key = ?');
const allIntents = db.prepare<[], { key: string; label: string; message: string; proof: string }>(
  'SELECT key, label, message, proof FROM mail_intents ORDER BY intended_at',
);
const insert = db.prepare(
  `INSERT INTO mail_spool (key, label, message, proof, spooled_at) VALUES (?, ?, ?, ?, ?)
   ON CONFLICT (key) DO NOTHING`,
);
const idOf = db.prepare<[string], { id: number }>('SELECT id FROM mail_spool WHERE key = ?');
const remove = db.prepare('DELETE FROM mail_spool WHERE id = ?');
const removeKey = db.prepare('DELETE FROM mail_spool WHERE key = ?');
const after = db.prepare<
  [number, number],
  { id: number; key: string | null; label: string; message: string; proof: string | null }
>('SELECT id, key, label, message, proof FROM mail_spool WHERE id > ? ORDER BY id LIMIT ?');
const countAfter = db.prepare<[number], { n: number }>(
  'SELECT COUNT(*) AS n FROM mail_spool WHERE id > ?',
);

type Waiting = { call: SpoolCall; resolve: (id?: number) => void; reject: (e: unknown) => void };
let batch: Waiting[] = [];

const commit = db.transaction((calls: SpoolCall[]) =>
  calls.map((c) => {
    if (c.op === 'intend') {
      const at = new Date().toISOString();
      intend.run(c.key, c.label, JSON.stringify(c.message), JSON.stringify(c.proof), at);
      return undefined;
    }
    if (c.op === 'drop-intent') return void dropIntent.run(c.key);
    if (c.op === 'save') {
      if (c.settles !== undefined) dropIntent.run(c.settles);
      const at = new Date().toISOString();
      const proof = c.proof === undefined ? null : JSON.stringify(c.proof);
      const { changes, lastInsertRowid } = insert.run(
        c.key,
        c.label,
        JSON.stringify(c.message),
        proof,
        at,
      );
      return changes === 1 ? Number(lastInsertRowid) : idOf.get(c.key)!.id;
    }
    if (c.op === 'remove' && 'id' in c) remove.run(c.id);
    else if (c.op === 'remove') removeKey.run(c.key);
    return undefined;
  }),
);

function flush(): void {
  const calls = batch;
  batch = [];
  try {
    const ids = commit(calls.map((w) => w.call));
    calls.forEach((w, i) => w.resolve(ids[i]));
  } catch (error) {
    calls.forEach((w) => w.reject(error));
  }
}

serveCalls(
  (call: SpoolCall) => {
    if (call.op === 'intents') {
      const intents = allIntents.all().map((r) => ({
        key: r.key,
        label: r.label,
        message: JSON.parse(r.message) as MailMessage,
        proof: JSON.parse(r.proof) as MailProof,
      }));
      return { intents };
    }
    if (call.op === 'count') return { count: countAfter.get(call.afterId)!.n };
    if (call.op === 'pending') {
      const pending: SpooledMail[] = after.all(call.afterId, call.limit).map((r) => ({
        id: r.id,
        label: r.label,
        message: JSON.parse(r.message) as MailMessage,
        ...(r.key === null ? {} : { key: r.key }),
        ...(r.proof === null ? {} : { proof: JSON.parse(r.proof) as MailProof }),
      }));
      return { pending };
    }
    return new Promise<object>((resolve, reject) => {
      batch.push({
        call,
        resolve: (id) => resolve(id === undefined ? {} : { spooled: id }),
        reject,
      });
      if (batch.length === 1) setImmediate(flush);
    });
  },
  () => db.close(),
);
