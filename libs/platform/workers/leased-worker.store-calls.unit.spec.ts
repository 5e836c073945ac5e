import type { LeaseStore } from '../../read-store/coordination.port';
import { startLeasedWorker } from './leased-worker';

const TTL = 300;

/** A lease store whose calls are answered as `answer` says, by call number from 1. */
function scriptedLeases(answer: (call: number) => Promise<boolean>) {
  let calls = 0;
  const leases: LeaseStore = {
    tryAcquire: () => answer(++calls),
    release: async () => undefined,
  };
  return { leases, calls: () => calls };
}

const never = () => new Promise<boolean>(() => undefined);
/** Work that runs until aborted. */
const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));

describe('leased worker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  describe('when lease calls never settle for a while', () => {
    it('counts each as not held after half the TTL, says so once, and takes the lease again once answered', async () => {
      const store = scriptedLeases((call) =>
        call === 2 || call === 3 ? never() : Promise.resolve(true),
      );
      const logs: string[] = [];
      let runs = 0;
      const worker = startLeasedWorker({
        ...{ name: 'w', leases: store.leases, ttlMs: TTL, log: (m) => logs.push(m) },
        run: (signal) => {
          runs += 1;
          return untilAborted(signal);
        },
      });
      await jest.advanceTimersByTimeAsync(TTL); // the renewal hangs and is given up on
      expect(worker.isActive()).toBe(false);
      await jest.advanceTimersByTimeAsync(3 * TTL); // the next hangs too, then they are answered
      expect(store.calls()).toBeGreaterThan(3);
      expect(runs).toBe(2);
      expect(worker.isActive()).toBe(true);
      expect(logs).toEqual([
        expect.stringContaining('no answer from the lease store within 150 ms'),
      ]);
      await worker.stop();
    });
  });
});
