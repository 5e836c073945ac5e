import { CheckpointConflictError } from '../../../libs/read-store/coordination.port';
import type { ProjectionCommit, ProjectionStore } from '../../../libs/read-store/read-models.port';
import { waitFor } from '../../../libs/testing/wait-for';
import { invitationListProjection } from '../invitation-list/invitation-list.projection';
import { ProjectionError, type InvitationEvent } from '../invitation-events';
import { appendTo, events } from '../testing/invitation-events';
import { projectorFixture, type ProjectorFixture } from '../testing/projector-fixture';
import { projectBatch, SKIPPED_STREAM_ERROR } from './project-batch';
import type { Projection } from './projection';
import { projectionStatuses } from './projection-status';
import { PROJECTIONS } from './projections';
import { parkedStreams, replayStream } from './replay';

describe('projector', () => {
  let f: ProjectorFixture;
  beforeEach(() => {
    f = projectorFixture();
  });
  afterEach(() => f.close());
  const invitations = (vendorId = 'vendor-1') =>
    f.readModels.listInvitations('invitations', { vendorId, limit: 100 });

  describe('when invitations are recorded before and after it starts', () => {
    it('catches up, then follows live, into both read models', async () => {
      await appendTo(f.eventStore, 'i1', events.sent('i1', { customerNumber: 'C-1' }, 1));
      await appendTo(f.eventStore, 'i1', events.accepted('i1', 'co-1', 5));
      await f.eventStore.append('user-1', [events.sent('x')], 'any'); // not an invitation stream
      f.startProjector();
      await f.caughtUp();
      await appendTo(f.eventStore, 'i2', events.sent('i2', {}, 9));
      await f.caughtUp();

      expect((await invitations()).items.map((i) => [i.invitationId, i.status])).toEqual([
        ['i2', 'pending'],
        ['i1', 'accepted'],
      ]);
      const customers = await f.readModels.listRelationships('customer-relationships', {
        vendorId: 'vendor-1',
        limit: 10,
      });
      expect(customers.items).toEqual([
        expect.objectContaining({
          customerCompanyId: 'co-1',
          status: 'active',
          customerNumber: 'C-1',
          invitationId: 'i1',
        }),
      ]);
      const statuses = await projectionStatuses(f.readModels, f.eventStore, [
        'invitations',
        'customer-relationships',
      ]);
      expect(statuses).toEqual([
        expect.objectContaining({
          name: 'invitations',
          position: '4',
          lag: 0,
          status: 'live',
          lastEventAt: events.at(9),
          parkedEvents: 0,
        }),
        expect.objectContaining({
          name: 'customer-relationships',
          position: '4',
          lag: 0,
          status: 'live',
        }),
      ]);
    });
  });

  describe('when one event keeps failing', () => {
    it('parks it after retries, parks the rest of its stream, goes on with others, and a replay fixes it', async () => {
      let broken = true;
      let tries = 0;
      const flaky: Projection = {
        ...invitationListProjection,
        apply: async (event, rows) => {
          if (broken && event.type === 'InvitationAccepted' && event.invitationId === 'bad') {
            tries++;
            throw new Error('cannot project this');
          }
          return invitationListProjection.apply(event, rows);
        },
      };
      f.startProjector({ projections: [flaky] });
      await appendTo(
        f.eventStore,
        'bad',
        events.sent('bad', {}, 1),
        events.accepted('bad', 'co-1', 2),
      );
      await appendTo(f.eventStore, 'good', events.sent('good', {}, 3));
      await appendTo(f.eventStore, 'bad', events.cancelled('bad', 4));
      await appendTo(f.eventStore, 'good', events.cancelled('good', 5));
      await f.caughtUp(['invitations']);

      const target = { projection: 'invitations', version: 1 };
      const parked = await f.readModels.listParked(target);
      expect(parked.map((p) => [p.position, p.eventType, p.attempts])).toEqual([
        [2n, 'InvitationAccepted', 3],
        [4n, 'InvitationCancelled', 0],
      ]);
      expect(parked[0].error).toMatch(/cannot project this/);
      expect(parked[1].error).toBe(SKIPPED_STREAM_ERROR);
      expect(tries).toBe(3);
      expect((await invitations()).items.map((i) => [i.invitationId, i.status])).toEqual([
        ['good', 'cancelled'],
        ['bad', 'pending'],
      ]);

      broken = false;
      const deps = { eventStore: f.eventStore, store: f.readModels, projection: flaky };
      expect(await parkedStreams(f.readModels, 'invitations')).toEqual(['invitation-bad']);
      expect(await replayStream(deps, 'invitation-bad')).toEqual({
        stream: 'invitation-bad',
        events: 3,
        unparked: 2,
      });
      expect(await f.readModels.listParked(target)).toEqual([]);
      expect((await invitations()).items.find((i) => i.invitationId === 'bad')).toMatchObject({
        status: 'cancelled',
        acceptedAt: events.at(2),
        customerCompanyId: 'co-1',
      });

      await appendTo(f.eventStore, 'bad', events.resent('bad', 6));
      await f.caughtUp(['invitations']);
      expect((await invitations()).items.find((i) => i.invitationId === 'bad')?.status).toBe(
        'pending',
      );
    });
  });

  describe('when an event is one the projection cannot understand', () => {
    it('parks it after one try, since its throw repeats, and goes on with the others at once', async () => {
      let tries = 0;
      const strict: Projection = {
        ...invitationListProjection,
        apply: async (event, rows) => {
          if (event.invitationId !== 'bad') return invitationListProjection.apply(event, rows);
          tries++;
          throw new ProjectionError('InvitationSent not understood');
        },
      };
      f.startProjector({ projections: [strict] });
      await appendTo(f.eventStore, 'bad', events.sent('bad', {}, 1));
      await appendTo(f.eventStore, 'good', events.sent('good', {}, 2));
      await f.caughtUp(['invitations']);
      const parked = await f.readModels.listParked({ projection: 'invitations', version: 1 });
      expect(parked.map((p) => [p.position, p.attempts])).toEqual([[1n, 1]]);
      expect(tries).toBe(1);
    });
  });

  describe('when a fixed projection makes a later event of a stream change nothing', () => {
    it('replays the stream into the row the fix gives, not the wrong one kept for its position', async () => {
      // A bug: a deferred acceptance read as an acceptance.
      const buggy: Projection = {
        ...invitationListProjection,
        apply: (event, rows) =>
          event.type === 'InvitationAcceptanceDeferred'
            ? invitationListProjection.apply(
                {
                  ...event,
                  type: 'InvitationAccepted',
                  acceptedAt: events.at(2),
                } as InvitationEvent,
                rows,
              )
            : invitationListProjection.apply(event, rows),
      };
      f.startProjector({ projections: [buggy] });
      await appendTo(f.eventStore, 'a', events.sent('a', {}, 1), events.deferred('a', 'co-1', 2));
      await f.caughtUp(['invitations']);
      expect((await invitations()).items[0].status).toBe('accepted');

      const deps = {
        eventStore: f.eventStore,
        store: f.readModels,
        projection: invitationListProjection,
      };
      expect(await replayStream(deps, 'invitation-a')).toMatchObject({ events: 2 });
      expect((await invitations()).items[0]).toMatchObject({ status: 'pending', acceptedAt: null });
    });
  });

  describe('when the live projector commits before every round of a replay', () => {
    it('says so, rather than that events kept being parked', async () => {
      f.startProjector();
      await appendTo(f.eventStore, 'a', events.sent('a', {}, 1));
      await f.caughtUp(['invitations']);
      jest
        .spyOn(f.readModels, 'commit')
        .mockRejectedValue(new CheckpointConflictError('invitations:v1', 1));
      const deps = {
        eventStore: f.eventStore,
        store: f.readModels,
        projection: invitationListProjection,
      };
      const result = await replayStream(deps, 'invitation-a');
      jest.restoreAllMocks();
      expect(result.failed).toBe('the live projector kept committing meanwhile; replay it again');
    });
  });

  describe('when a parked stream is replayed while a live batch of it is in flight', () => {
    it('makes that batch project again, so its event is applied and not parked behind', async () => {
      let broken = true;
      const flaky: Projection = {
        ...invitationListProjection,
        apply: async (event, rows) => {
          if (broken && event.type === 'InvitationAccepted') throw new Error('cannot project this');
          return invitationListProjection.apply(event, rows);
        },
      };
      const target = {
        projection: 'invitations',
        version: await f.readModels.ensureProjection('invitations'),
      };
      const ctx = {
        store: f.readModels,
        projection: flaky,
        target,
        retry: { attempts: 1, backoffMs: 0 },
      };
      await appendTo(f.eventStore, 'a', events.sent('a', {}, 1), events.accepted('a', 'co-1', 2));
      const first = await f.eventStore.readAll({ after: 0n, maxCount: 10 });
      let checkpoint = await projectBatch(ctx, first, await f.readModels.loadCheckpoint(target));
      expect((await f.readModels.listParked(target)).map((p) => p.position)).toEqual([2n]);

      // The live worker has read the parked events and waits to commit its next batch.
      await appendTo(f.eventStore, 'a', events.cancelled('a', 3));
      const next = await f.eventStore.readAll({ after: checkpoint.position, maxCount: 10 });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const store: ProjectionStore = Object.create(f.readModels);
      store.commit = async (c: ProjectionCommit) => {
        await gate;
        return f.readModels.commit(c);
      };
      const held = { ...ctx, store };
      const live = projectBatch(held, next, checkpoint);

      broken = false;
      const deps = { eventStore: f.eventStore, store: f.readModels, projection: flaky };
      expect(await replayStream(deps, 'invitation-a')).toMatchObject({ unparked: 1 });
      release();
      await expect(live).rejects.toBeInstanceOf(CheckpointConflictError);

      checkpoint = await f.readModels.loadCheckpoint(target);
      await projectBatch(ctx, next, checkpoint);
      expect(await f.readModels.listParked(target)).toEqual([]);
      expect((await f.readModels.loadInvitations(target, ['a']))[0].status).toBe('cancelled');
    });
  });

  describe('when a batch that parks an event cannot commit', () => {
    it('says it parked the event only once a commit has kept it', async () => {
      const failing: Projection = {
        ...invitationListProjection,
        apply: async () => {
          throw new Error('cannot project this');
        },
      };
      const target = {
        projection: 'invitations',
        version: await f.readModels.ensureProjection('invitations'),
      };
      const logged: string[] = [];
      const refusing: ProjectionStore = Object.create(f.readModels);
      refusing.commit = async () => {
        throw new CheckpointConflictError('projector:invitations:v1', 0);
      };
      const ctx = {
        store: refusing,
        projection: failing,
        target,
        retry: { attempts: 1, backoffMs: 0 },
        log: (m: string) => logged.push(m),
      };
      await appendTo(f.eventStore, 'a', events.sent('a', {}, 1), events.cancelled('a', 2));
      const batch = await f.eventStore.readAll({ after: 0n, maxCount: 10 });
      const checkpoint = await f.readModels.loadCheckpoint(target);

      await expect(projectBatch(ctx, batch, checkpoint)).rejects.toBeInstanceOf(
        CheckpointConflictError,
      );
      expect(logged).toEqual([]);

      await projectBatch({ ...ctx, store: f.readModels }, batch, checkpoint);
      expect(logged).toEqual([
        expect.stringMatching(
          /^projection invitations: parked InvitationSent at 1 on invitation-a:/,
        ),
      ]);
    });
  });

  describe('when an event only some projections read is malformed', () => {
    it('is parked by those, and passed over by the others', async () => {
      const broken = events.expired('i1', 2);
      await appendTo(
        f.eventStore,
        'i1',
        events.sent('i1', {}, 1),
        { ...broken, data: { ...broken.data, expiredAt: 'soon' } },
        events.accepted('i1', 'co-1', 3),
      );
      f.startProjector();
      await f.caughtUp();

      const parkedIn = async (projection: string) =>
        (await f.readModels.listParked({ projection, version: 1 })).map((p) => p.eventType);
      expect(await parkedIn('invitations')).toEqual(['InvitationExpired', 'InvitationAccepted']);
      expect(await parkedIn('customer-relationships')).toEqual([]);
      const customers = await f.readModels.listRelationships('customer-relationships', {
        vendorId: 'vendor-1',
        limit: 10,
      });
      expect(customers.items.map((c) => c.customerCompanyId)).toEqual(['co-1']);
    });
  });

  describe('when a stream with a parked event goes on with types a projection does not read', () => {
    it('parks only what that projection reads, as a rebuild of it does', async () => {
      const sent = events.sent('i1', {}, 1);
      await appendTo(
        f.eventStore,
        'i1',
        { ...sent, data: { ...sent.data, firstName: '' } },
        events.cancelled('i1', 2),
        events.accepted('i1', 'co-1', 3),
      );
      f.startProjector({ retry: { attempts: 1, backoffMs: 1 } });
      await f.caughtUp();

      const parked = await f.readModels.listParked({
        projection: 'customer-relationships',
        version: 1,
      });
      expect(parked.map((p) => p.eventType)).toEqual(['InvitationSent', 'InvitationAccepted']);
    });
  });

  describe('when the active instance dies', () => {
    it('another instance takes over within the lease time and goes on', async () => {
      let dead = false;
      const mortal = {
        tryAcquire: (n: string, o: string, ttl: number) =>
          dead ? Promise.resolve(false) : f.leases.tryAcquire(n, o, ttl),
        release: async () => undefined, // a killed process releases nothing
      };
      // A lease long enough that no pause of a loaded machine lets the second take over early.
      const leaseTtlMs = 1_500;
      const first = f.startProjector({ leases: mortal, owner: 'first', leaseTtlMs });
      await waitFor(() => PROJECTIONS.every((p) => first.isActive(p.name)), {
        message: 'first active',
      });
      const second = f.startProjector({ owner: 'second', leaseTtlMs });
      try {
        await appendTo(f.eventStore, 'i1', events.sent('i1'));
        await f.caughtUp();
        expect(PROJECTIONS.some((p) => second.isActive(p.name))).toBe(false);

        dead = true;
        await first.stop();
        const diedAt = Date.now();
        await waitFor(() => PROJECTIONS.every((p) => second.isActive(p.name)), {
          message: 'takeover',
        });
        expect(Date.now() - diedAt).toBeLessThan(leaseTtlMs + 3_000);
        await appendTo(f.eventStore, 'i2', events.sent('i2', {}, 7));
        await f.caughtUp();
        expect((await invitations()).items).toHaveLength(2);
      } finally {
        await second.stop();
      }
    });
  });

  describe('when its runs keep failing on this instance', () => {
    it('gives the lease up, saying so in its own log', async () => {
      const logged: string[] = [];
      const broken: typeof f.readModels = Object.create(f.readModels);
      broken.loadCheckpoint = () => Promise.reject(new Error('read models unreachable'));
      const projector = f.startProjector({
        store: broken,
        projections: [invitationListProjection],
        leaseTtlMs: 300,
        log: (m) => logged.push(m),
      });
      await waitFor(() => logged.some((m) => m.includes('gave it up after 3 runs')), {
        message: 'the give-up line in the projector’s log',
      });
      await projector.stop();
      await broken.close(); // what it opened on itself, as `this`, the fixture cannot close
    });
  });
});
