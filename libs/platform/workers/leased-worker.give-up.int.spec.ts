import Database from 'better-sqlite3';
import { SqliteCoordination } from '../../read-store/sqlite/sqlite-coordination';
import { startLeasedWorker, type LeasedWorker } from './leased-worker';

const TTL = 300;

describe('leased worker', () => {
  let db: Database.Database;
  let leases: SqliteCoordination;
  const workers: LeasedWorker[] = [];
  beforeEach(() => {
    jest.useFakeTimers();
    db = new Database(':memory:');
    leases = new SqliteCoordination(db);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    jest.useRealTimers();
    db.close();
  });

  /** A worker on lease 'w' counting its runs; `fail` says whether a run throws, and after how long. */
  const start = (owner: string, fail: { afterMs: number } | null) => {
    const seen = { runs: 0, logs: [] as string[] };
    const worker = startLeasedWorker({
      ...{ name: 'w', leases, ttlMs: TTL, owner, onError: () => undefined },
      log: (m) => seen.logs.push(m),
      run: async (signal) => {
        seen.runs += 1;
        await new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => resolve());
          if (fail) setTimeout(resolve, fail.afterMs);
        });
        if (fail && !signal.aborted) throw new Error(`${owner}'s broker connection is broken`);
      },
    });
    workers.push(worker);
    return { worker, seen };
  };

  describe('when its run keeps failing on this instance only', () => {
    it('gives the lease up after three runs in a row, says why, and a healthy instance takes over', async () => {
      const sick = start('sick', { afterMs: 0 });
      await jest.advanceTimersByTimeAsync(0);
      const healthy = start('healthy', null);
      await jest.advanceTimersByTimeAsync(30 * TTL);

      expect(sick.seen.runs).toBe(3);
      expect(sick.seen.logs).toEqual([
        expect.stringMatching(
          /^lease w: gave it up after 3 runs in a row failed on this instance \(last: sick's broker connection is broken\); .* asks again in 600 ms$/,
        ),
      ]);
      expect(healthy.seen.runs).toBe(1);
      expect(healthy.worker.isActive()).toBe(true);
    });
  });

  describe('when runs fail on every instance', () => {
    it('makes them take turns, none giving up for good', async () => {
      const a = start('a', { afterMs: 0 });
      const b = start('b', { afterMs: 0 });
      await jest.advanceTimersByTimeAsync(30 * TTL);

      for (const { seen } of [a, b]) expect(seen.logs.length).toBeGreaterThanOrEqual(3);
      expect(a.seen.runs + b.seen.runs).toBeGreaterThanOrEqual(20);
    });
  });

  describe('when its runs fail only after running a while', () => {
    it('keeps the lease, each failure ending a run that did some work', async () => {
      const longLived = start('long-lived', { afterMs: 61_000 });
      await jest.advanceTimersByTimeAsync(0);
      const other = start('other', null);
      await jest.advanceTimersByTimeAsync(5 * 60_000);

      expect(longLived.seen.runs).toBeGreaterThanOrEqual(5);
      expect(longLived.seen.logs).toEqual([]);
      expect(other.seen.runs).toBe(0);
    });
  });
  describe('when a long run between failures ends by losing the lease', () => {
    it('starts the count of failed runs over', async () => {
      let denied = false;
      const flaky = {
        tryAcquire: (n: string, o: string, ttl: number) =>
          denied ? Promise.resolve(false) : leases.tryAcquire(n, o, ttl),
        release: (n: string, o: string) => leases.release(n, o),
      };
      const script = ['fail', 'fail', 'long', 'fail'];
      const logs: string[] = [];
      workers.push(
        startLeasedWorker({
          ...{ name: 'w', leases: flaky, ttlMs: TTL, onError: () => undefined },
          log: (m) => logs.push(m),
          run: async (signal) => {
            if ((script.shift() ?? 'long') === 'long') {
              return new Promise<void>((resolve) =>
                signal.addEventListener('abort', () => resolve()),
              );
            }
            throw new Error('broken for a moment');
          },
        }),
      );
      await jest.advanceTimersByTimeAsync(61_000); // two failures, then a minute of work
      denied = true;
      await jest.advanceTimersByTimeAsync(TTL);
      denied = false;
      await jest.advanceTimersByTimeAsync(3 * TTL);

      expect(script).toEqual([]);
      expect(logs).toEqual([]);
    });
  });
});
