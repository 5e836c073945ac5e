import type { LeaseStore } from '../../read-store/coordination.port';
import { startLeasedWorker } from './leased-worker';

const TTL = 300;

/** A lease store whose answers the test gives, one call at a time. */
function heldLeases() {
  const calls: Array<(held: boolean) => void> = [];
  const leases: LeaseStore = {
    tryAcquire: () => new Promise((resolve) => calls.push(resolve)),
    release: async () => undefined,
  };
  const answer = (held: boolean) => calls.shift()!(held);
  return { leases, answer, pending: () => calls.length };
}

/** Work that runs until aborted, then takes until `finish()` to wind down. */
function slowToFinish() {
  const started: AbortSignal[] = [];
  const finishers: Array<() => void> = [];
  const run = (signal: AbortSignal) => {
    started.push(signal);
    return new Promise<void>((resolve) => finishers.push(resolve));
  };
  return { run, started, finish: (i: number) => finishers[i]() };
}

describe('leased worker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const settle = () => jest.advanceTimersByTimeAsync(0);

  /** A worker granted the lease at once, its run started. */
  async function leaseGranted() {
    const store = heldLeases();
    const work = slowToFinish();
    const worker = startLeasedWorker({
      name: 'w',
      leases: store.leases,
      run: work.run,
      ttlMs: TTL,
      log: () => undefined,
    });
    store.answer(true);
    await settle();
    return { store, work, worker };
  }

  /** Then the lease is lost at the first renewal: the run is aborted and winds down slowly. */
  async function leaseLostMidRun() {
    const granted = await leaseGranted();
    await jest.advanceTimersByTimeAsync(TTL / 3);
    granted.store.answer(false);
    await settle();
    return granted;
  }

  describe('when a renewal is not answered before the lease runs out', () => {
    it('aborts the work as the lease ends, and a late grant starts nothing', async () => {
      const { store, work, worker } = await leaseGranted();
      expect(work.started).toHaveLength(1);

      await jest.advanceTimersByTimeAsync(TTL / 3); // the renewal is asked for, and hangs
      expect(store.pending()).toBe(1);
      expect(work.started[0].aborted).toBe(false);
      await jest.advanceTimersByTimeAsync(TTL); // the first lease has run out meanwhile
      expect(work.started[0].aborted).toBe(true);
      expect(worker.isActive()).toBe(false);

      work.finish(0);
      store.answer(true); // answered after the lease it granted was over
      await settle();
      expect(work.started).toHaveLength(1);
      expect(worker.isActive()).toBe(false);
      const stopped = worker.stop();
      await settle();
      await stopped;
    });
  });

  describe('when every renewal is answered slowly, yet well inside the lease', () => {
    it('keeps the one run going, since each renewal is asked a third of the TTL after the last was', async () => {
      const latency = TTL * 0.36; // two in a row took more than 2/3 of the TTL
      const leases: LeaseStore = {
        tryAcquire: () => new Promise((resolve) => setTimeout(() => resolve(true), latency)),
        release: async () => undefined,
      };
      const work = slowToFinish();
      const worker = startLeasedWorker({ name: 'w', leases, run: work.run, ttlMs: TTL });
      await jest.advanceTimersByTimeAsync(30 * TTL);
      expect(work.started).toHaveLength(1);
      expect(work.started[0].aborted).toBe(false);
      const stopped = worker.stop();
      work.finish(0);
      await stopped;
    });
  });

  describe('when the wall clock steps back while a renewal is asked', () => {
    it('still aborts the work once the lease runs out', async () => {
      const { store, work, worker } = await leaseGranted();
      await jest.advanceTimersByTimeAsync(TTL / 3);
      jest.setSystemTime(Date.now() - 60 * 60_000); // an NTP step or a resumed VM
      store.answer(true); // granted; every later renewal hangs: the store is cut off
      await jest.advanceTimersByTimeAsync(TTL);
      expect(work.started[0].aborted).toBe(true);
      expect(worker.isActive()).toBe(false);
      work.finish(0);
      await worker.stop();
    });
  });

  describe('when the lease comes back while an aborted run is still finishing', () => {
    it('starts the next run only once that one has finished', async () => {
      const { store, work, worker } = await leaseLostMidRun();
      expect(work.started[0].aborted).toBe(true);

      await jest.advanceTimersByTimeAsync(TTL / 2);
      store.answer(true);
      await settle();
      expect(work.started).toHaveLength(1);

      work.finish(0);
      await jest.advanceTimersByTimeAsync(TTL / 3);
      store.answer(true);
      await settle();
      expect(work.started).toHaveLength(2);
      expect(worker.isActive()).toBe(true);
      work.finish(1);
      await worker.stop();
    });
  });

  describe('when stopped while an aborted run is still finishing', () => {
    it('returns only once that run has finished', async () => {
      const { work, worker } = await leaseLostMidRun();

      let stopped = false;
      void worker.stop().then(() => (stopped = true));
      await settle();
      expect(stopped).toBe(false);
      work.finish(0);
      await settle();
      expect(stopped).toBe(true);
    });
  });
});
