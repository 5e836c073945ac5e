import { join } from 'node:path';
import type { EventStore } from '../../../libs/event-store';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import type { LeaseStore } from '../../../libs/read-store/coordination.port';
import type { ProjectionCommit, ProjectionStore } from '../../../libs/read-store/read-models.port';
import { SqliteCoordination } from '../../../libs/read-store/sqlite/sqlite-coordination';
import { openReadModelDatabase } from '../../../libs/read-store/sqlite/sqlite-read-model-db';
import { SqliteReadModels } from '../../../libs/read-store/sqlite/sqlite-read-models';
import { waitFor } from '../../../libs/testing/wait-for';
import { appendTo, events } from '../testing/invitation-events';
import { projectorFixture, type ProjectorFixture } from '../testing/projector-fixture';
import { seededRandom } from '../../../libs/testing/seeded-random';
import { invitationTraffic, readModelSnapshot } from '../testing/invitation-traffic';
import { projectBatch } from './project-batch';
import type { Projection } from './projection';
import { PROJECTIONS } from './projections';
import { startProjector } from './projector';
import { rebuildProjection, rebuildProjections } from './rebuild';
import { parkedStreams, replayStream, type StreamReplay } from './replay';

/** `CONCURRENT_OPS_SEED=<n>` runs another traffic; a failure prints its seed. */
const SEED = Number(process.env.CONCURRENT_OPS_SEED ?? 20261126);
const TICKS = 300;
const retry = { attempts: 2, backoffMs: 5 };

interface Node {
  eventStore: EventStore;
  readModels: SqliteReadModels;
  leases: LeaseStore;
}

/** Another process on the same files: its own event-store and read-model connections. */
function node(f: ProjectorFixture) {
  const eventStore = new SqliteEventStore(f.eventsPath, { crossProcessPollMs: 50 });
  const db = openReadModelDatabase(f.readModelsPath);
  const readModels = new SqliteReadModels(db, { commitThread: true });
  const close = async () => {
    await eventStore.close();
    await readModels.close();
    db.close();
  };
  return { eventStore, readModels, leases: new SqliteCoordination(db), close };
}

/** The projections, throwing for the given invitations while `broken()`. */
const flaky = (poison: Set<string>, broken: () => boolean) =>
  PROJECTIONS.map((p): Projection => ({
    ...p,
    apply: (event, rows) => {
      if (broken() && poison.has(event.invitationId)) throw new Error(`poison ${event.type}`);
      return p.apply(event, rows);
    },
  }));

describe('projector under concurrent ops', () => {
  let f: ProjectorFixture;
  const cleanup: Array<() => Promise<unknown>> = [];
  beforeEach(() => {
    f = projectorFixture();
  });
  afterEach(async () => {
    for (const done of cleanup.splice(0).reverse()) await done().catch(() => undefined);
    await f.close();
  });

  describe('when two instances, a kill, a parked-stream replay and a rebuild run under live traffic', () => {
    it('ends with both read models equal to a fresh rebuild', async () => {
      const random = seededRandom(SEED).next;
      const traffic = invitationTraffic(random);
      const poison = new Set(Array.from({ length: 4 }, () => `i${Math.floor(random() * 40)}`));
      let broken = true;
      const projections = flaky(poison, () => broken);
      const logs: string[] = [];
      const start = (n: Node, owner: string, leases = n.leases) => {
        const p = startProjector({
          ...{ eventStore: n.eventStore, store: n.readModels, leases, projections, owner, retry },
          ...{ leaseTtlMs: 400, versionCheckMs: 30, maxBatch: 50, log: (m) => logs.push(m) },
        });
        cleanup.push(() => p.stop());
        return p;
      };
      const other = node(f);
      const ops = node(f); // the ops CLI's connections
      cleanup.push(other.close, ops.close);

      try {
        // Instance a dies without releasing its leases; b runs on connections of its own.
        let aDead = false;
        const mortal: LeaseStore = {
          tryAcquire: (n, o, ms) =>
            aDead ? Promise.resolve(false) : f.leases.tryAcquire(n, o, ms),
          release: async () => undefined,
        };
        const a = start(f, 'a', mortal);
        await waitFor(() => projections.every((p) => a.isActive(p.name)), { message: 'a active' });
        start(other, 'b');

        const replays: StreamReplay[] = [];
        const replayParked = async () => {
          for (const projection of projections) {
            const deps = { eventStore: ops.eventStore, store: ops.readModels, projection };
            for (const stream of await parkedStreams(ops.readModels, projection.name)) {
              replays.push(await replayStream(deps, stream));
            }
          }
        };
        const running: Array<Promise<unknown>> = [];
        for (let tick = 0; tick < TICKS; tick++) {
          if (tick === TICKS * 0.25) {
            aDead = true;
            running.push(a.stop().then(() => start(f, 'c')));
          }
          if (tick === TICKS * 0.4) {
            const rebuild = { ...ops, store: ops.readModels, projections, retry, maxBatch: 50 };
            running.push(rebuildProjections(rebuild)); // while the poison still throws
          }
          if (tick === TICKS * 0.6) {
            broken = false;
            running.push(replayParked());
          }
          const appends = traffic.tick();
          await Promise.all(
            appends.map((x) => appendTo(f.eventStore, x.invitationId, ...x.events)),
          );
          await new Promise((resolve) => setTimeout(resolve, 3)); // pacing only
        }
        await Promise.all(running);
        expect(replays.some((r) => r.unparked > 0)).toBe(true);
        // As ops would after the rebuild: it parked again what it read before the fix.
        await replayParked();
        expect(replays.filter((r) => r.failed)).toEqual([]);

        await waitFor(
          async () => {
            const head = await f.eventStore.headPosition();
            for (const { name } of projections) {
              const target = {
                projection: name,
                version: (await f.readModels.activeVersion(name))!,
              };
              if ((await f.readModels.listParked(target)).length > 0) return false;
              if ((await f.readModels.loadCheckpoint(target)).position < head) return false;
            }
            return true;
          },
          { timeoutMs: 10_000, message: 'checkpoints at the head with nothing parked' },
        );

        const freshDb = openReadModelDatabase(join(f.dir, 'fresh.sqlite'));
        const fresh = new SqliteReadModels(freshDb);
        cleanup.push(async () => {
          await fresh.close();
          freshDb.close();
        });
        const leases = new SqliteCoordination(freshDb);
        await rebuildProjections({
          eventStore: f.eventStore,
          store: fresh,
          leases,
          projections: PROJECTIONS,
        });

        const expected = await readModelSnapshot(fresh, traffic.ids);
        expect(expected.invitationRows).toHaveLength(traffic.ids.length);
        expect(await readModelSnapshot(f.readModels, traffic.ids)).toEqual(expected);
      } catch (error) {
        console.error(
          `failed with CONCURRENT_OPS_SEED=${SEED}; projector log:\n${logs.join('\n')}`,
        );
        throw error;
      }
    }, 20_000);
  });

  describe('when a rebuild switches versions while a replay of a parked stream commits', () => {
    it('replays the stream into the new version', async () => {
      let broken = true;
      const [projection] = flaky(new Set(['bad']), () => broken);
      await appendTo(f.eventStore, 'bad', events.sent('bad', {}, 1), events.cancelled('bad', 2));
      const v1 = {
        projection: 'invitations',
        version: await f.readModels.ensureProjection('invitations'),
      };
      const ctx = {
        store: f.readModels,
        projection,
        target: v1,
        retry: { attempts: 1, backoffMs: 0 },
      };
      const all = await f.eventStore.readAll({ after: 0n, maxCount: 10 });
      await projectBatch(ctx, all, await f.readModels.loadCheckpoint(v1));
      expect(await f.readModels.listParked(v1)).toHaveLength(2);

      // The replay has projected the stream and waits to commit to version 1.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let waiting = false;
      const store: ProjectionStore = Object.create(f.readModels);
      store.commit = async (c: ProjectionCommit) => {
        waiting = c.target.version === 1;
        if (waiting) await gate;
        return f.readModels.commit(c);
      };
      broken = false;
      const replay = replayStream(
        { eventStore: f.eventStore, store, projection },
        'invitation-bad',
      );
      await waitFor(() => waiting, { message: 'the replay to commit' });
      broken = true; // the rebuild parks the stream again in version 2
      await rebuildProjection({
        eventStore: f.eventStore,
        store: f.readModels,
        leases: f.leases,
        projection,
        retry: ctx.retry,
      });
      broken = false;
      release();

      expect(await replay).toEqual({ stream: 'invitation-bad', events: 2, unparked: 2 });
      const v2 = { projection: 'invitations', version: 2 };
      expect(await f.readModels.listParked(v2)).toEqual([]);
      expect((await f.readModels.loadInvitations(v2, ['bad']))[0]?.status).toBe('cancelled');
    });
  });

  describe('when a replay fails while another replay of the stream succeeds', () => {
    it('does not park again what the successful one applied', async () => {
      const [projection] = flaky(new Set(['bad']), () => true);
      const [fixed] = flaky(new Set(), () => false);
      await appendTo(f.eventStore, 'bad', events.sent('bad', {}, 1));
      const target = {
        projection: 'invitations',
        version: await f.readModels.ensureProjection('invitations'),
      };
      const retryOnce = { attempts: 1, backoffMs: 0 };
      const all = await f.eventStore.readAll({ after: 0n, maxCount: 10 });
      await projectBatch(
        { store: f.readModels, projection, target, retry: retryOnce },
        all,
        await f.readModels.loadCheckpoint(target),
      );
      expect(await f.readModels.listParked(target)).toHaveLength(1);

      // The failing replay has read the parked event; the fixed one commits before it writes.
      let fixedReplay: Promise<StreamReplay> | undefined;
      const store: ProjectionStore = Object.create(f.readModels);
      store.commit = async (c: ProjectionCommit) => {
        fixedReplay ??= replayStream(
          { eventStore: f.eventStore, store: f.readModels, projection: fixed },
          'invitation-bad',
        );
        await fixedReplay;
        return f.readModels.commit(c);
      };
      const failed = await replayStream(
        { eventStore: f.eventStore, store, projection },
        'invitation-bad',
      );

      expect(failed.failed).toMatch(/poison/);
      expect(await fixedReplay).toMatchObject({ unparked: 1 });
      expect(await f.readModels.listParked(target)).toEqual([]);
      expect((await f.readModels.loadInvitations(target, ['bad']))[0]?.status).toBe('pending');
    });
  });
});
