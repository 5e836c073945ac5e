/**
 * Runs the projector on the given SQLite files; the kill test starts it as a
 * child process. It kills itself (SIGKILL, as the OOM killer or a node
 * failure would) while committing batch `KILL_AT_BATCH` of projection
 * `KILL_PROJECTION`, at `KILL_POINT`:
 * - `before`: before the store's commit is called;
 * - `inside`: inside the commit, once it has written both the batch's
 *   checkpoint and one of its rows (in whichever order), seen by temporary
 *   triggers on this connection, so a commit split in two transactions
 *   leaves one of them behind;
 * - `after`: once the commit has returned.
 * Without those variables it runs until it is killed. `MAX_BATCH` sizes its
 * batches (25 by default).
 */
import type Database from 'better-sqlite3';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { checkpointName, type ProjectionTarget } from '../../../libs/read-store/read-models.port';
import { SqliteCoordination } from '../../../libs/read-store/sqlite/sqlite-coordination';
import { openReadModelDatabase } from '../../../libs/read-store/sqlite/sqlite-read-model-db';
import { SqliteReadModels } from '../../../libs/read-store/sqlite/sqlite-read-models';
import { slotTables } from '../../../libs/read-store/sqlite/sqlite-read-models.schema';
import { startProjector } from '../projector/projector';

export type KillPoint = 'before' | 'inside' | 'after';

const [eventsPath, readModelsPath] = process.argv.slice(2);
const killProjection = process.env.KILL_PROJECTION;
const killAtBatch = Number(process.env.KILL_AT_BATCH ?? 0);
const killPoint = process.env.KILL_POINT as KillPoint | undefined;

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL to itself ends the process before this thread runs on; never go on writing if not.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

/** Kills the process inside the coming commit to `target`, once its checkpoint and a row are written. */
function dieInsideCommitTo(db: Database.Database, target: ProjectionTarget) {
  const { slot } = db
    .prepare('SELECT slot FROM rm_projection_versions WHERE projection = ? AND version = ?')
    .get(target.projection, target.version) as { slot: number };
  const written = new Set<string>();
  db.function('kill_test_written', (what: unknown) => {
    written.add(String(what));
    if (written.has('checkpoint') && written.has('row')) die();
    return null;
  });
  const watched = [
    {
      table: 'checkpoints',
      what: 'checkpoint',
      when: `WHEN new.name = '${checkpointName(target)}'`,
    },
    ...Object.values(slotTables(slot)).map((table) => ({ table, what: 'row', when: '' })),
  ];
  for (const [i, { table, what, when }] of watched.entries()) {
    for (const op of ['INSERT', 'UPDATE']) {
      db.exec(`CREATE TEMP TRIGGER kill_test_${i}_${op} AFTER ${op} ON main.${table} ${when}
        BEGIN SELECT kill_test_written('${what}'); END`);
    }
  }
}

const db = openReadModelDatabase(readModelsPath);
const store = new SqliteReadModels(db);
const commit = store.commit.bind(store);
let batches = 0;
store.commit = async (c) => {
  if (!killPoint || c.target.projection !== killProjection || ++batches !== killAtBatch) {
    return commit(c);
  }
  if (killPoint === 'before') die();
  if (killPoint === 'inside') dieInsideCommitTo(db, c.target);
  await commit(c);
  if (killPoint === 'inside') {
    process.stderr.write(`batch ${batches} was committed without writing a checkpoint and a row\n`);
    process.exit(3);
  }
  die();
};

startProjector({
  eventStore: new SqliteEventStore(eventsPath),
  store,
  leases: new SqliteCoordination(db),
  owner: 'child',
  leaseTtlMs: 1000,
  maxBatch: Number(process.env.MAX_BATCH ?? 25),
});
