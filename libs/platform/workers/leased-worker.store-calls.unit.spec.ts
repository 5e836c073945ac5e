import type { LeaseStore } from '../../read-store/coordination.port';
import { metrics } from '../observability/metrics';
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

/** One lease held in memory, expiring on the (fake) wall clock as a store's does. */
function memoryLeases() {
  let lease: { owner: string; until: number } | undefined;
  const leases: LeaseStore = {
    tryAcquire: async (_, owner, ttlMs) => {
      if (lease && lease.owner !== owner && lease.until >= Date.now()) return false;
      lease = { owner, until: Date.now() + ttlMs };
      return true;
    },
    release: async (_, owner) => {
      if (lease?.owner === owner) lease = undefined;
    },
  };
  return leases;
}
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

  describe('when a renewal asked before stop() is granted after its release', () => {
    it('releases the lease again, so another instance need not wait out the TTL', async () => {
      let holder: string | undefined;
      const grant = (owner: string) => {
        holder ??= owner;
        return holder === owner;
      };
      let applyRenewal!: () => void;
      let calls = 0;
      const leases: LeaseStore = {
        tryAcquire: async (_, owner) => {
          calls += 1;
          // The renewal reaches the store after the release did (another pooled connection).
          if (calls === 2) await new Promise<void>((resolve) => (applyRenewal = resolve));
          return grant(owner);
        },
        release: async (_, owner) => {
          if (holder === owner) holder = undefined;
        },
      };
      const worker = startLeasedWorker({ name: 'w', leases, ttlMs: TTL, run: untilAborted });
      await jest.advanceTimersByTimeAsync(TTL / 3); // the renewal is in flight
      expect(calls).toBe(2);
      await worker.stop();
      expect(holder).toBeUndefined();
      applyRenewal();
      await jest.advanceTimersByTimeAsync(0);
      expect(holder).toBeUndefined();
    });
  });

  describe('when the store applies the holder’s calls but their answers never come back', () => {
    it('leaves the lease it granted time to lapse, so another instance takes over', async () => {
      const store = memoryLeases();
      let answersLost = false;
      const holder = startLeasedWorker({
        ...{ name: 'w', owner: 'holder', ttlMs: TTL, run: untilAborted, log: () => undefined },
        leases: {
          tryAcquire: async (...call) => {
            const held = await store.tryAcquire(...call); // applied by the store ...
            return answersLost ? never() : held; // ... and the answer lost on the way back
          },
          release: (...call) => store.release(...call),
        },
      });
      await jest.advanceTimersByTimeAsync(TTL / 6);
      expect(holder.isActive()).toBe(true);
      answersLost = true;
      await jest.advanceTimersByTimeAsync(7); // off the holder's beat
      const other = startLeasedWorker({ name: 'w', leases: store, ttlMs: TTL, run: untilAborted });
      await jest.advanceTimersByTimeAsync(10 * TTL);
      expect(holder.isActive()).toBe(false);
      expect(other.isActive()).toBe(true);
      await Promise.all([holder.stop(), other.stop()]);
    });
  });

  describe('when the lease store does not answer the release', () => {
    it('stops after half the TTL all the same, leaving the lease to lapse', async () => {
      const leases: LeaseStore = {
        tryAcquire: async () => true,
        release: () => new Promise<void>(() => undefined),
      };
      const worker = startLeasedWorker({ name: 'w', leases, ttlMs: TTL, run: untilAborted });
      await jest.advanceTimersByTimeAsync(0);
      let stopped = false;
      void worker.stop().then(() => (stopped = true));
      await jest.advanceTimersByTimeAsync(TTL / 2);
      expect(stopped).toBe(true);
    });
  });
  describe('when a scrape asks which workers run here', () => {
    it('shows worker_active 0 while another instance holds the lease, 1 once it runs, none once stopped', async () => {
      const scraped = async () =>
        (await metrics.workerActive.get()).values.find((v) => v.labels.worker === 'scraped')?.value;
      let heldElsewhere = true;
      const store = scriptedLeases(async () => !heldElsewhere);
      const worker = startLeasedWorker({
        ...{ name: 'scraped', leases: store.leases, ttlMs: TTL, run: untilAborted },
      });
      await jest.advanceTimersByTimeAsync(0);
      expect(await scraped()).toBe(0);
      heldElsewhere = false;
      await jest.advanceTimersByTimeAsync(TTL);
      expect(await scraped()).toBe(1);
      await worker.stop();
      expect(await scraped()).toBeUndefined();
    });

    it('shows 0 while the instance stops and its last batch ends', async () => {
      const scraped = async () =>
        (await metrics.workerActive.get()).values.find((v) => v.labels.worker === 'stopping')
          ?.value;
      let finish!: () => void;
      const lastBatch = new Promise<void>((resolve) => (finish = resolve));
      const worker = startLeasedWorker({
        ...{ name: 'stopping', leases: scriptedLeases(async () => true).leases, ttlMs: TTL },
        run: () => lastBatch,
      });
      await jest.advanceTimersByTimeAsync(0);
      expect(await scraped()).toBe(1);
      const stopped = worker.stop();
      expect(await scraped()).toBe(0);
      finish();
      await stopped;
    });
  });
});
