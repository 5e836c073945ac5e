// The mail spool's thread: one SQLite connection, commits batched per turn of its event loop.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { workerData } from 'node:worker_threads';
import { serveCalls } from '../workers/thread-calls';
import type { MailMessage } from './mailer';
import type { SpoolCall, SpooledMail } from './mail-spool';

const { path } = workerData as { path: string };
mkdirSync(dirname(path), { recursive: true });
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
// AUTOINCREMENT: an id is never given twice. The queue takes rows in beyond the highest id it
// has held, so a reused id (SQLite reuses them once the highest rows are gone) was never sent.
const TABLE = (name: string) => `CREATE TABLE ${name} (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  label      TEXT NOT NULL,
  message    TEXT NOT NULL,
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
      INSERT INTO mail_spool_next SELECT id, label, message, spooled_at FROM mail_spool;
      DROP TABLE mail_spool;
      ALTER TABLE mail_spool_next RENAME TO mail_spool;`);
  }).immediate();
}
const insert = db.prepare('INSERT INTO mail_spool (label, message, spooled_at) VALUES (?, ?, ?)');
const remove = db.prepare('DELETE FROM mail_spool WHERE id = ?');
const after = db.prepare<[number, number], { id: number; label: string; message: string }>(
  'SELECT id, label, message FROM mail_spool WHERE id > ? ORDER BY id LIMIT ?',
);

type Waiting = { call: SpoolCall; resolve: (id?: number) => void; reject: (e: unknown) => void };
let batch: Waiting[] = [];

const commit = db.transaction((calls: SpoolCall[]) =>
  calls.map((c) => {
    if (c.op === 'save') {
      const at = new Date().toISOString();
      return Number(insert.run(c.label, JSON.stringify(c.message), at).lastInsertRowid);
    }
    if (c.op === 'remove') remove.run(c.id);
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
    if (call.op === 'pending') {
      const pending: SpooledMail[] = after.all(call.afterId, call.limit).map((r) => ({
        id: r.id,
        label: r.label,
        message: JSON.parse(r.message) as MailMessage,
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
