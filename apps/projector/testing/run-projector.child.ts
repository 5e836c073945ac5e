/**
 * Runs the projector on the given SQLite files until the process is killed;
 * the kill test starts it as a child process. Each batch is slowed by
 * `SLOW_MS` so the test can catch it mid-catch-up.
 */
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { SqliteCoordination } from '../../../libs/read-store/sqlite/sqlite-coordination';
import { SqliteReadModels } from '../../../libs/read-store/sqlite/sqlite-read-models';
import { delay } from '../projector/project-batch';
import { PROJECTIONS } from '../projector/projections';
import { startProjector } from '../projector/projector';
import { openReadModelDatabase } from '../../../libs/read-store/sqlite/sqlite-read-model-db';

const [eventsPath, readModelsPath] = process.argv.slice(2);
const slowMs = Number(process.env.SLOW_MS ?? 0);
const db = openReadModelDatabase(readModelsPath);
startProjector({
  eventStore: new SqliteEventStore(eventsPath),
  store: new SqliteReadModels(db),
  leases: new SqliteCoordination(db),
  owner: 'child',
  leaseTtlMs: 1000,
  maxBatch: 25,
  projections: PROJECTIONS.map((p) => ({
    ...p,
    prefetch: async (ids, rows) => {
      await delay(slowMs);
      return p.prefetch(ids, rows);
    },
  })),
});
process.stdout.write('started\n');
