import { CheckpointConflictError } from '../../../libs/read-store/coordination.port';
import type { ProjectionCommit, ProjectionStore } from '../../../libs/read-store/read-models.port';
import { waitFor } from '../../../libs/testing/wait-for';
import { invitationListProjection } from '../invitation-list/invitation-list.projection';
import { appendTo, events } from '../testing/invitation-events';
import { projectorFixture, type ProjectorFixture } from '../testing/projector-fixture';
import type { Projection } from './projection';
import { replayStream } from './replay';
import { conflictBackoffMs, runProjection } from './run-projection';

describe('a running projection', () => {
  let f: ProjectorFixture;
  beforeEach(() => {
    f = projectorFixture();
  });
  afterEach(() => f.close());
  const target = { projection: 'invitations', version: 1 };

  /** The fixture's store with its `commit` replaced; the rest is bound to it (it starts one commit thread). */
  const withCommit = (commit: ProjectionStore['commit']): ProjectionStore =>
    new Proxy(f.readModels, {
      get: (store, key: keyof ProjectionStore) =>
        key === 'commit' ? commit : (store[key] as (...a: unknown[]) => unknown).bind(store),
    });

  /** The store the worker writes through, noting each commit that moved the checkpoint and each conflict. */
  function watchedStore() {
    const committed: bigint[] = [];
    let conflicts = 0;
    const store = withCommit(async (c: ProjectionCommit) => {
      try {
        const version = await f.readModels.commit(c);
        if (c.checkpoint) committed.push(c.checkpoint.position);
        return version;
      } catch (error) {
        if (error instanceof CheckpointConflictError) conflicts++;
        throw error;
      }
    });
    return { store, committed, conflicts: () => conflicts };
  }

  describe('when `parked replay` commits between two live batches', () => {
    it('goes on from the checkpoint without its run stopping, and commits each event once', async () => {
      let broken = true;
      const flaky: Projection = {
        ...invitationListProjection,
        apply: (event, rows) => {
          if (broken && event.type === 'InvitationExpired') throw new Error('cannot project this');
          return invitationListProjection.apply(event, rows);
        },
      };
      const logs: string[] = [];
      const watched = watchedStore();
      f.startProjector({
        store: watched.store,
        projections: [flaky],
        retry: { attempts: 1, backoffMs: 1 },
        log: (m) => logs.push(m),
      });
      await appendTo(f.eventStore, 'bad', events.sent('bad', {}, 1), events.expired('bad', 2));
      await appendTo(f.eventStore, 'good', events.sent('good', {}, 3));
      await f.caughtUp(['invitations']);
      expect((await f.readModels.listParked(target)).map((p) => p.position)).toEqual([2n]);

      broken = false;
      const deps = { eventStore: f.eventStore, store: f.readModels, projection: flaky };
      expect(await replayStream(deps, 'invitation-bad')).toMatchObject({ unparked: 1 });
      await appendTo(f.eventStore, 'good', events.cancelled('good', 4));
      await f.caughtUp(['invitations']);
      await appendTo(f.eventStore, 'bad', events.resent('bad', 5));
      await f.caughtUp(['invitations']);

      expect(watched.conflicts()).toBeGreaterThan(0); // its batch after the replay was fenced out
      expect(logs.filter((m) => /stopped/.test(m))).toEqual([]);
      // Each live commit moved the checkpoint forward: no event was committed twice.
      expect(watched.committed).toEqual([...watched.committed].sort((a, b) => (a < b ? -1 : 1)));
      expect(new Set(watched.committed).size).toBe(watched.committed.length);
      const rows = await f.readModels.loadInvitations(target, ['bad', 'good']);
      expect(rows.map((r) => [r.invitationId, r.status, r.position])).toEqual([
        ['bad', 'pending', 5n],
        ['good', 'cancelled', 4n],
      ]);
    });
  });

  describe('when another instance moves the checkpoint under a running worker', () => {
    it('drops its batch instead of writing it, and goes on from where the other left it', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered = false;
      const slow: Projection = {
        ...invitationListProjection,
        apply: async (event, rows) => {
          entered = true;
          await gate;
          return invitationListProjection.apply(event, rows);
        },
      };
      const abort = new AbortController();
      const run = runProjection(
        { eventStore: f.eventStore, store: f.readModels, projection: slow },
        abort.signal,
      );
      await appendTo(f.eventStore, 'i1', events.sent('i1'));
      await waitFor(() => entered, { message: 'the worker to start a batch' });
      const { version } = await f.readModels.loadCheckpoint(target);
      await f.readModels.commit({ target, checkpoint: { position: 1n, expectedVersion: version } });
      release();

      await appendTo(f.eventStore, 'i2', events.sent('i2', {}, 7));
      await waitFor(async () => (await f.readModels.loadInvitations(target, ['i2'])).length, {
        message: 'i2 projected',
      });
      expect(await f.readModels.loadInvitations(target, ['i1'])).toEqual([]);
      abort.abort();
      await expect(run).resolves.toBeUndefined();
    });
  });

  describe('when its checkpoint is past the store’s last event', () => {
    it('says so, naming the rebuild that makes its read model right', async () => {
      await f.readModels.ensureProjection('invitations');
      const { version } = await f.readModels.loadCheckpoint(target);
      await f.readModels.commit({
        target,
        checkpoint: { position: 50n, expectedVersion: version },
      });
      const logs: string[] = [];
      const abort = new AbortController();
      const run = runProjection(
        {
          eventStore: f.eventStore,
          store: f.readModels,
          projection: invitationListProjection,
          log: (m) => logs.push(m),
        },
        abort.signal,
      );
      await waitFor(() => logs.length > 0, { message: 'the warning' });
      abort.abort();
      await run;
      expect(logs[0]).toMatch(
        /checkpoint \(50\) is past the event store’s last position \(0\).*rebuild all/,
      );
    });
  });

  describe('when its commits keep conflicting', () => {
    it('backs off between tries instead of spinning, and still ends when aborted', async () => {
      const tries: number[] = [];
      const store = withCommit(async (c: ProjectionCommit) => {
        tries.push(performance.now());
        throw new CheckpointConflictError(
          'projection:invitations:v1',
          c.checkpoint!.expectedVersion,
        );
      });
      await appendTo(f.eventStore, 'i1', events.sent('i1'));
      const abort = new AbortController();
      const run = runProjection(
        { eventStore: f.eventStore, store, projection: invitationListProjection },
        abort.signal,
      );
      await waitFor(() => tries.length >= 5, { message: 'five tries' });
      abort.abort();
      await expect(run).resolves.toBeUndefined();

      // After the first conflict it tries again at once, then waits longer each time.
      const gaps = tries.slice(1, 5).map((t, i) => t - tries[i]);
      for (let i = 1; i < gaps.length; i++) {
        expect(gaps[i]).toBeGreaterThanOrEqual(conflictBackoffMs(i + 1) - 2);
      }
      expect(conflictBackoffMs(1)).toBe(0);
      expect(conflictBackoffMs(50)).toBe(1000);
    });
  });
});
