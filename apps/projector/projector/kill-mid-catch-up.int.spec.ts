import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SqliteReadModels } from '../../../libs/read-store/sqlite/sqlite-read-models';
import { slotTables } from '../../../libs/read-store/sqlite/sqlite-read-models.schema';
import { waitFor } from '../../../libs/testing/wait-for';
import { appendTo, events } from '../testing/invitation-events';
import { projectorFixture, type ProjectorFixture } from '../testing/projector-fixture';
import { projectBatch } from './project-batch';
import { INVITATIONS_READ_MODEL, PROJECTIONS } from './projections';
import { startProjector } from './projector';

const INVITATIONS = 300;
const VENDORS = ['v1', 'v2', 'v3'];

async function seed(f: ProjectorFixture) {
  for (let i = 0; i < INVITATIONS; i++) {
    const id = `i${i}`;
    const vendorId = VENDORS[i % VENDORS.length];
    const list = [events.sent(id, { vendorId, customerNumber: `N-${i}` }, i)];
    if (i % 3 === 0) list.push(events.accepted(id, `c${i % 7}`, i + 1));
    if (i % 3 === 1) list.push(events.cancelled(id, i + 1));
    if (i % 5 === 0) list.push(events.resent(id, i + 2));
    await appendTo(f.eventStore, id, ...list);
  }
}

/** Every row a client can read, per vendor, from both read models. */
async function readAll(rm: SqliteReadModels) {
  const out: unknown[] = [];
  for (const vendorId of VENDORS) {
    let page = await rm.listInvitations('invitations', { vendorId, limit: 100 });
    const all = [...page.items];
    while (page.next) {
      page = await rm.listInvitations('invitations', { vendorId, limit: 100, after: page.next });
      all.push(...page.items);
    }
    out.push(all, await rm.listRelationships('customer-relationships', { vendorId, limit: 100 }));
  }
  return out;
}

describe('projector process', () => {
  let f: ProjectorFixture;
  beforeEach(() => {
    f = projectorFixture();
  });
  afterEach(() => f.close());

  describe('when it is killed in the middle of catching up', () => {
    it('resumes from its checkpoint after a restart: no gap, no duplicate', async () => {
      await seed(f);
      const head = await f.eventStore.headPosition();
      const child = spawn(
        process.execPath,
        [
          '-r',
          '@swc-node/register',
          join(__dirname, '../testing/run-projector.child.ts'),
          f.eventsPath,
          f.readModelsPath,
        ],
        { env: { ...process.env, SLOW_MS: '10' }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const position = async () => {
        const version = await f.readModels.activeVersion('invitations');
        return version
          ? (await f.readModels.loadCheckpoint({ projection: 'invitations', version })).position
          : 0n;
      };
      try {
        await waitFor(async () => (await position()) > 100n, {
          timeoutMs: 20_000,
          message: 'the child to make progress',
        });
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      const atKill = await position();
      expect(atKill).toBeGreaterThan(0n);
      expect(atKill).toBeLessThan(head);

      const projector = startProjector({
        eventStore: f.eventStore,
        store: f.readModels,
        leases: f.leases,
        leaseTtlMs: 1000,
        log: () => undefined,
      });
      try {
        await f.caughtUp();
      } finally {
        await projector.stop();
      }

      const freshDb = new Database(':memory:');
      const fresh = new SqliteReadModels(freshDb);
      const all = await f.eventStore.readAll({ after: 0n, maxCount: 100_000 });
      for (const projection of PROJECTIONS) {
        const target = {
          projection: projection.name,
          version: await fresh.ensureProjection(projection.name),
        };
        await projectBatch(
          { store: fresh, projection, target },
          all,
          await fresh.loadCheckpoint(target),
        );
        const resumed = {
          projection: projection.name,
          version: (await f.readModels.activeVersion(projection.name))!,
        };
        expect((await f.readModels.loadCheckpoint(resumed)).position).toBe(head);
        expect(await f.readModels.listParked(resumed)).toEqual([]);
      }
      const rows = await readAll(f.readModels);
      expect(rows).toEqual(await readAll(fresh));
      const { slot } = f.db
        .prepare(
          `SELECT slot FROM rm_projection_versions WHERE projection = ? AND state = 'active'`,
        )
        .get(INVITATIONS_READ_MODEL) as { slot: number };
      const table = slotTables(slot).invitations;
      const count = f.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number };
      expect(count.n).toBe(INVITATIONS);
      freshDb.close();
    });
  });
});
