import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { SqliteCoordination } from '../../../libs/read-store/sqlite/sqlite-coordination';
import { SqliteReadModels } from '../../../libs/read-store/sqlite/sqlite-read-models';
import { openReadModelDatabase } from '../../../libs/read-store/sqlite/sqlite-read-model-db';
import { waitFor } from '../../../libs/testing/wait-for';
import { PROJECTIONS } from '../projector/projections';
import { startProjector, type Projector, type ProjectorOptions } from '../projector/projector';

/** An event store and a read-model database on temp files, as the projector runs on them. */
export function projectorFixture() {
  const dir = mkdtempSync(join(tmpdir(), 'projector-'));
  const eventsPath = join(dir, 'events.sqlite');
  const readModelsPath = join(dir, 'read-models.sqlite');
  const eventStore = new SqliteEventStore(eventsPath, { crossProcessPollMs: 50 });
  const db = openReadModelDatabase(readModelsPath);
  const readModels = new SqliteReadModels(db, { commitThread: true });
  const leases = new SqliteCoordination(db);

  /** Waits until every named projection's active version has reached the event-store head. */
  const caughtUp = (names = PROJECTIONS.map((p) => p.name)) =>
    waitFor(
      async () => {
        const head = await eventStore.headPosition();
        for (const name of names) {
          const version = await readModels.activeVersion(name);
          if (version === undefined) return false;
          const { position } = await readModels.loadCheckpoint({ projection: name, version });
          if (position < head) return false;
        }
        return true;
      },
      { message: 'projections to reach the head' },
    );

  /** Projectors started on the fixture's stores, stopped by `close`. */
  const projectors: Projector[] = [];
  const startOn = (options: Partial<ProjectorOptions> = {}) => {
    const projector = startProjector({
      eventStore,
      store: readModels,
      leases,
      leaseTtlMs: 600,
      versionCheckMs: 50,
      retry: { attempts: 3, backoffMs: 5 },
      log: () => undefined,
      ...options,
    });
    projectors.push(projector);
    return projector;
  };

  return {
    dir,
    eventsPath,
    readModelsPath,
    eventStore,
    db,
    readModels,
    leases,
    caughtUp,
    /** A projector on these stores with quick test timings; `options` override them. */
    startProjector: startOn,
    async close() {
      for (const projector of projectors.splice(0)) await projector.stop();
      await eventStore.close();
      await readModels.close();
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type ProjectorFixture = ReturnType<typeof projectorFixture>;
