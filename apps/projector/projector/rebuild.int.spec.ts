import type { EventStore, ReadAllOptions, RecordedEvent } from '../../../libs/event-store';
import { waitFor } from '../../../libs/testing/wait-for';
import { appendTo, events } from '../testing/invitation-events';
import { projectorFixture, type ProjectorFixture } from '../testing/projector-fixture';
import { customerRelationshipsProjection } from '../customer-relationships/customer-relationships.projection';
import { invitationListProjection } from '../invitation-list/invitation-list.projection';
import { projectBatch } from './project-batch';
import { startProjector, type Projector } from './projector';
import { rebuildProjection, rebuildProjections } from './rebuild';

describe('blue-green rebuild', () => {
  let f: ProjectorFixture;
  let projector: Projector;
  beforeEach(async () => {
    f = projectorFixture();
    for (let i = 0; i < 40; i++) await appendTo(f.eventStore, `i${i}`, events.sent(`i${i}`, {}, i));
    await appendTo(f.eventStore, 'i0', events.accepted('i0', 'co-1', 50));
    projector = startProjector({
      eventStore: f.eventStore,
      store: f.readModels,
      leases: f.leases,
      versionCheckMs: 20,
      log: () => undefined,
    });
    await f.caughtUp();
  });
  afterEach(async () => {
    await projector.stop();
    await f.close();
  });
  const list = () =>
    f.readModels.listInvitations('invitations', { vendorId: 'vendor-1', limit: 100 });
  const customersOfVendor1 = async () =>
    (
      await f.readModels.listRelationships('customer-relationships', {
        vendorId: 'vendor-1',
        limit: 10,
      })
    ).items.map((r) => r.customerCompanyId);
  /** The fixture's store, keeping every event its readAll hands out. */
  const recordingReads = () => {
    const read: RecordedEvent[] = [];
    const store: EventStore = Object.assign(Object.create(f.eventStore) as EventStore, {
      readAll: async (options: ReadAllOptions) => {
        const batch = await f.eventStore.readAll(options);
        read.push(...batch);
        return batch;
      },
    });
    return { store, read };
  };

  describe('when the serving version holds a wrong row', () => {
    it('keeps answering from it while the new version builds, then switches to the rebuilt one', async () => {
      const v1 = { projection: 'invitations', version: 1 };
      const [row] = await f.readModels.loadInvitations(v1, ['i7']);
      await f.readModels.commit({
        target: v1,
        invitations: [{ ...row, firstName: 'Corrupt', position: row.position + 1000n }],
      });
      const corrupt = (items: Array<{ firstName: string }>) =>
        items.filter((i) => i.firstName === 'Corrupt').length;

      // Queries all along, across the switch too: each sees the old version or the new, whole.
      const polled: Array<number | 'partial' | 'failed'> = [];
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const page = await list().catch(() => undefined);
          polled.push(
            !page ? 'failed' : page.items.length === 40 ? corrupt(page.items) : 'partial',
          );
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const seenDuring: number[] = [];
      const result = await rebuildProjection({
        eventStore: f.eventStore,
        store: f.readModels,
        leases: f.leases,
        projection: invitationListProjection,
        maxBatch: 7,
        onProgress: async ({ version }) => {
          expect(version).toBe(2);
          const page = await list();
          expect(page.items).toHaveLength(40);
          seenDuring.push(corrupt(page.items));
          // the live worker keeps the serving version current meanwhile
          if (seenDuring.length === 2)
            await appendTo(f.eventStore, 'i1', events.cancelled('i1', 60));
        },
      });

      await waitFor(() => polled.at(-1) === 0, { message: 'a query after the switch' });
      polling = false;
      await poller;
      expect(result).toMatchObject({ version: 2, previous: 1, resumed: false });
      const switched = polled.indexOf(0);
      expect(polled.filter((p) => typeof p !== 'number')).toEqual([]);
      expect(polled.slice(0, switched).every((p) => p === 1)).toBe(true);
      expect(polled.slice(switched).every((p) => p === 0)).toBe(true);
      expect(seenDuring.length).toBeGreaterThan(3);
      expect(seenDuring.every((n) => n === 1)).toBe(true);
      await f.caughtUp();
      const after = await list();
      expect(corrupt(after.items)).toBe(0);
      expect(after.items.find((i) => i.invitationId === 'i1')?.status).toBe('cancelled');
      expect(after.items.find((i) => i.invitationId === 'i0')?.status).toBe('accepted');
      expect(await f.readModels.loadInvitations(v1, ['i7'])).toEqual([]);

      await appendTo(f.eventStore, 'i2', events.expired('i2', 70));
      await f.caughtUp();
      await waitFor(
        async () => (await list()).items.find((i) => i.invitationId === 'i2')?.status === 'expired',
        {
          message: 'the live worker to follow the new version',
        },
      );
      const states = await f.readModels.projectionStates('invitations');
      expect(states.map((s) => [s.version, s.state])).toEqual([[2, 'active']]);
    });
  });

  describe('when the rebuild holds more rows than it may keep in memory', () => {
    it('reads them back as needed and ends with the same read models', async () => {
      const relationships = () =>
        f.readModels.listRelationships('customer-relationships', {
          vendorId: 'vendor-1',
          limit: 10,
        });
      const [invitationsBefore, relationshipsBefore] = [await list(), await relationships()];
      expect(relationshipsBefore.items).toHaveLength(1);
      for (const projection of [invitationListProjection, customerRelationshipsProjection]) {
        await rebuildProjection({
          eventStore: f.eventStore,
          store: f.readModels,
          leases: f.leases,
          projection,
          maxBatch: 7,
          maxCachedRows: 3,
        });
      }
      expect(await list()).toEqual(invitationsBefore);
      expect(await relationships()).toEqual(relationshipsBefore);
    });
  });

  describe('when a stream has a parked event and more events in later batches', () => {
    it('parks the later ones too, as the live worker did', async () => {
      const broken = events.expired('i3', 60);
      await appendTo(f.eventStore, 'i3', {
        ...broken,
        data: { ...broken.data, expiredAt: 'soon' },
      });
      for (let i = 0; i < 5; i++)
        await appendTo(f.eventStore, `i${i + 10}`, events.cancelled(`i${i + 10}`, 61));
      await appendTo(f.eventStore, 'i3', events.accepted('i3', 'co-3', 62));
      await f.caughtUp();
      const parked = async () =>
        (
          await f.readModels.listParked({
            projection: 'invitations',
            version: (await f.readModels.activeVersion('invitations'))!,
          })
        ).map((p) => [p.position, p.eventType, p.error]);
      const live = await parked();
      expect(live.map(([, type]) => type)).toEqual(['InvitationExpired', 'InvitationAccepted']);

      await rebuildProjection({
        eventStore: f.eventStore,
        store: f.readModels,
        leases: f.leases,
        projection: invitationListProjection,
        maxBatch: 3,
      });
      expect(await parked()).toEqual(live);
    });
  });

  describe('when an event fails to project', () => {
    it('parks it after one try, since a rebuild’s throw repeats, where the live worker tries three times', async () => {
      let tries = 0;
      const failing = {
        ...invitationListProjection,
        apply: ((event, rows) => {
          if (event.type !== 'InvitationAccepted')
            return invitationListProjection.apply(event, rows);
          tries += 1;
          throw new Error('cannot project this');
        }) as typeof invitationListProjection.apply,
      };
      await rebuildProjection({
        eventStore: f.eventStore,
        store: f.readModels,
        leases: f.leases,
        projection: failing,
      });
      expect(tries).toBe(1);
    });
  });

  describe('when the latest events are of types the projection does not read', () => {
    it('reads only its own types and still takes its checkpoint to the head', async () => {
      await appendTo(f.eventStore, 'i3', events.cancelled('i3', 60));
      await appendTo(f.eventStore, 'i4', events.resent('i4', 61));
      const head = await f.eventStore.headPosition();
      const { store, read } = recordingReads();
      const result = await rebuildProjection({
        eventStore: store,
        store: f.readModels,
        leases: f.leases,
        projection: customerRelationshipsProjection,
        maxBatch: 7,
      });
      expect(new Set(read.map((e) => e.type))).toEqual(
        new Set(['InvitationSent', 'InvitationAccepted']),
      );
      expect(result.position).toBe(head);
      expect(await customersOfVendor1()).toEqual(['co-1']);
    });
  });

  describe('when both projections are rebuilt together', () => {
    it('reads each event once for both and switches each to its new version', async () => {
      const { store, read } = recordingReads();
      const before = await list();
      const results = await rebuildProjections({
        eventStore: store,
        store: f.readModels,
        leases: f.leases,
        projections: [invitationListProjection, customerRelationshipsProjection],
        maxBatch: 7,
      });

      expect(results.map((r) => [r.projection, r.version, r.previous])).toEqual([
        ['invitations', 2, 1],
        ['customer-relationships', 2, 1],
      ]);
      const positions = read.map((e) => e.position);
      expect(new Set(positions).size).toBe(positions.length);
      expect(positions).toHaveLength(41);
      expect((await list()).items).toEqual(before.items);
      expect(await customersOfVendor1()).toEqual(['co-1']);
    });
  });

  describe('when the lease is taken by another rebuild while the indexes are built', () => {
    it('does not switch, so the two never both activate a version', async () => {
      // SQLite builds indexes on the event loop: the lease's renewal timer cannot run meanwhile.
      let taken = false;
      const leases = Object.create(f.leases) as typeof f.leases;
      leases.tryAcquire = async (name, owner, ttlMs) =>
        !taken && f.leases.tryAcquire(name, owner, ttlMs);
      const store = Object.create(f.readModels) as typeof f.readModels;
      store.finishBuild = async (projection, version) => {
        await f.readModels.finishBuild(projection, version);
        taken = true;
      };
      await expect(
        rebuildProjection({
          eventStore: f.eventStore,
          store,
          leases,
          projection: invitationListProjection,
        }),
      ).rejects.toThrow(/lost a rebuild lease/);
      expect(await f.readModels.activeVersion('invitations')).toBe(1);
    });
  });

  describe('when dropping the previous version fails after the switch', () => {
    it('reports the rebuild done on the new version, and the drop as failed', async () => {
      const before = await list();
      const logged: string[] = [];
      const store = Object.create(f.readModels) as typeof f.readModels;
      store.dropVersion = () => Promise.reject(new Error('disk full'));
      const result = await rebuildProjection({
        eventStore: f.eventStore,
        store,
        leases: f.leases,
        projection: invitationListProjection,
        log: (m) => logged.push(m),
      });

      expect(result).toMatchObject({ version: 2, previous: 1, dropped: false });
      expect(await f.readModels.activeVersion('invitations')).toBe(2);
      expect((await list()).items).toEqual(before.items);
      expect(logged).toEqual([
        'invitations: version 2 is active; dropping version 1 failed (disk full)',
      ]);
    });
  });

  describe('when a half-built version is resumed beside a projection built from the start', () => {
    it("never moves the resumed version's checkpoint back", async () => {
      const { version } = await f.readModels.beginBuild('invitations');
      const target = { projection: 'invitations', version };
      const first30 = await f.eventStore.readAll({ after: 0n, maxCount: 30 });
      const ctx = { store: f.readModels, projection: invitationListProjection, target };
      await projectBatch(ctx, first30, await f.readModels.loadCheckpoint(target));
      const positions: bigint[] = [];

      await rebuildProjections({
        eventStore: f.eventStore,
        store: f.readModels,
        leases: f.leases,
        projections: [invitationListProjection, customerRelationshipsProjection],
        maxBatch: 7,
        onProgress: (p) => void (p.projection === 'invitations' && positions.push(p.position)),
      });

      expect(positions[0]).toBeGreaterThan(first30.at(-1)!.position);
      expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
      expect((await list()).items).toHaveLength(40);
    });
  });

  describe('when a rebuild was interrupted', () => {
    it('resumes the half-built version', async () => {
      const { version } = await f.readModels.beginBuild('invitations');
      const result = await rebuildProjection({
        eventStore: f.eventStore,
        store: f.readModels,
        leases: f.leases,
        projection: invitationListProjection,
      });
      expect(result).toMatchObject({ version, resumed: true });
    });
  });
});
