import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import { conflict, type AppError } from '../errors/app-error';
import {
  handleCommand,
  handleCommands,
  loadState,
  onStream,
  type CommandContext,
} from './command-handler';
import { metrics } from '../observability/metrics';
import { StaleObservationError, type Decider } from './decider';

type Counted = { type: 'Counted'; data: { by: number } };
type State = { total: number };
type Add = { by: number; limit: number };

/** A counter that refuses to pass its limit: enough to show read → decide → append → retry. */
const counter: Decider<State, Add, Counted> = {
  initialState: () => ({ total: 0 }),
  evolve: (s, e) => ({ total: s.total + e.data.by }),
  decide: (c, s) => {
    if (c.by === 0) return [];
    if (c.by < 0) throw new StaleObservationError('observed another stream that has moved');
    if (s.total + c.by > c.limit) throw conflict('limit_reached', 'The counter is full.');
    return [{ type: 'Counted', data: { by: c.by } }];
  },
};

const context = (): CommandContext => ({
  correlationId: 'c-1',
  causationId: 'c-1',
  actor: 'user:u1',
  now: new Date('2026-11-26T10:00:00Z'),
});

describe('handleCommand', () => {
  let store: SqliteEventStore;
  beforeEach(() => (store = new SqliteEventStore(':memory:')));
  afterEach(() => store.close());

  describe('when the command produces events', () => {
    it('appends them with metadata and returns the new state and position', async () => {
      const r = await handleCommand(store, counter, 'counter-1', { by: 2, limit: 10 }, context());
      expect(r.state).toEqual({ total: 2 });
      expect(r.position).toBe(1n);
      const [e] = await store.readStream('counter-1');
      expect(e.metadata).toEqual({
        correlationId: 'c-1',
        causationId: 'c-1',
        actor: 'user:u1',
        occurredAt: '2026-11-26T10:00:00.000Z',
      });
    });
  });

  describe('when the command changes nothing', () => {
    it('appends nothing and returns no position', async () => {
      const r = await handleCommand(store, counter, 'counter-2', { by: 0, limit: 10 }, context());
      expect(r).toEqual({ state: { total: 0 }, events: [] });
      expect(await store.headPosition()).toBe(0n);
    });
  });

  describe('when writers race on one stream', () => {
    it('re-decides on the fresh stream, so the rule holds for every winner', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () =>
          handleCommand(store, counter, 'counter-3', { by: 1, limit: 2 }, context()),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(
        results
          .filter((r) => r.status === 'rejected')
          .map((r) => (r as PromiseRejectedResult).reason.code),
      ).toEqual(['limit_reached', 'limit_reached']);
      expect((await loadState(store, counter, 'counter-3')).state.total).toBe(2);
    });
  });

  describe('when the store fails, other than with a conflict', () => {
    const diskError = () => Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });

    it('refuses with 503 event_store_unavailable, the failure kept as its cause', async () => {
      jest.spyOn(store, 'append').mockRejectedValueOnce(diskError());
      const refusal = await handleCommand(
        store,
        counter,
        'counter-4',
        { by: 1, limit: 10 },
        context(),
      ).then(
        () => undefined,
        (e: AppError) => e,
      );
      expect(refusal).toMatchObject({ kind: 'unavailable', code: 'event_store_unavailable' });
      expect(refusal?.extra).toEqual({ retryAfterSeconds: 1 });
      expect((refusal?.cause as Error).message).toBe('disk I/O error');
      expect(await store.headPosition()).toBe(0n);
    });

    it('refuses the same way when reading fails, counted as unavailable', async () => {
      const count = async () =>
        (await metrics.commands.get()).values.find(
          (v) => v.labels.outcome === 'event_store_unavailable' && v.labels.category === 'counter',
        )?.value ?? 0;
      const before = await count();
      jest.spyOn(store, 'readStream').mockRejectedValueOnce(diskError());
      await expect(
        handleCommand(store, counter, 'counter-4', { by: 1, limit: 10 }, context()),
      ).rejects.toMatchObject({ code: 'event_store_unavailable' });
      expect(await count()).toBe(before + 1);
    });
  });

  describe('when the decider keeps asking to observe again', () => {
    it('gives up after every try with 409 concurrent_update, counted apart from errors', async () => {
      const count = async (outcome: string) =>
        (await metrics.commands.get()).values.find(
          (v) => v.labels.outcome === outcome && v.labels.category === 'counter',
        )?.value ?? 0;
      const [given, errors] = [await count('concurrent_update'), await count('error')];
      const refusal = await handleCommand(
        store,
        counter,
        'counter-1',
        { by: -1, limit: 10 },
        context(),
      ).then(
        () => undefined,
        (e: AppError) => e,
      );
      expect(refusal).toMatchObject({ kind: 'conflict', code: 'concurrent_update' });
      expect(refusal?.cause).toBeInstanceOf(StaleObservationError);
      expect(await count('concurrent_update')).toBe(given + 1);
      expect(await count('error')).toBe(errors);
    });
  });

  describe('when many commands race on one stream', () => {
    it('records every one of them, each decided again until it gets through', async () => {
      const racers = 100;
      const results = await Promise.allSettled(
        Array.from({ length: racers }, () =>
          handleCommand(store, counter, 'counter-5', { by: 1, limit: 100 }, context()),
        ),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect((await store.readStream('counter-5')).length).toBe(racers);
    });
  });
});

describe('handleCommands', () => {
  let store: SqliteEventStore;
  beforeEach(() => (store = new SqliteEventStore(':memory:')));
  afterEach(() => store.close());
  const totalOf = async (stream: string) => (await loadState(store, counter, stream)).state.total;

  describe('when commands on two streams produce events', () => {
    it('appends both in one commit and returns each result in order', async () => {
      const [a, b] = await handleCommands(
        store,
        () => [
          onStream(counter, 'counter-a', { by: 1, limit: 10 }),
          onStream(counter, 'counter-b', { by: 2, limit: 10 }),
        ],
        context(),
      );
      expect([a.state, b.state]).toEqual([{ total: 1 }, { total: 2 }]);
      // Each the commit's last, so waiting for either covers both.
      expect([a.position, b.position]).toEqual([2n, 2n]);
    });
  });

  describe('when one of them refuses', () => {
    it('appends none and reports the first refusal', async () => {
      await handleCommand(store, counter, 'counter-b', { by: 2, limit: 2 }, context());
      const refused = handleCommands(
        store,
        () => [
          onStream(counter, 'counter-a', { by: 1, limit: 10 }),
          onStream(counter, 'counter-b', { by: 1, limit: 2 }),
        ],
        context(),
      );
      await expect(refused).rejects.toMatchObject({ code: 'limit_reached' });
      expect(await store.readStream('counter-a')).toEqual([]);
    });
  });

  describe('when writers race on a shared stream', () => {
    it('runs the losers again, and a loser refused at last leaves its own stream empty', async () => {
      const own = ['counter-1', 'counter-2', 'counter-3', 'counter-4'];
      const results = await Promise.allSettled(
        own.map((stream) =>
          handleCommands(
            store,
            () => [
              onStream(counter, stream, { by: 1, limit: 10 }),
              onStream(counter, 'counter-shared', { by: 1, limit: 2 }),
            ],
            context(),
          ),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(await totalOf('counter-shared')).toBe(2);
      const totals = await Promise.all(own.map(totalOf));
      expect(totals.sort()).toEqual([0, 0, 1, 1]);
    });
  });

  describe('when two commands name the same stream', () => {
    it('refuses before reading or writing anything', async () => {
      const twice = handleCommands(
        store,
        () => [
          onStream(counter, 'counter-a', { by: 1, limit: 10 }),
          onStream(counter, 'counter-a', { by: 1, limit: 10 }),
        ],
        context(),
      );
      await expect(twice).rejects.toThrow('one command per stream');
      expect(await store.headPosition()).toBe(0n);
    });
  });

  describe('when prepare observes a stream it then decides on', () => {
    it('reads that stream once, and decides on what it observed', async () => {
      await handleCommand(store, counter, 'counter-a', { by: 4, limit: 10 }, context());
      const read = jest.spyOn(store, 'readStream');
      const [r] = await handleCommands(
        store,
        async (load) => {
          const { state } = await load(counter, 'counter-a');
          return [onStream(counter, 'counter-a', { by: state.total, limit: 10 })];
        },
        context(),
      );
      expect(r.state).toEqual({ total: 8 });
      expect(read).toHaveBeenCalledTimes(1);
      read.mockRestore();
    });
  });

  describe('when an observation made in prepare goes stale', () => {
    it('prepares again and decides on the fresh observation', async () => {
      let prepared = 0;
      const [r] = await handleCommands(
        store,
        () => [onStream(counter, 'counter-a', { by: ++prepared === 1 ? -1 : 3, limit: 10 })],
        context(),
      );
      expect(prepared).toBe(2);
      expect(r.state).toEqual({ total: 3 });
    });
  });
});
