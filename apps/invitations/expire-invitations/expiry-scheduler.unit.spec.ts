import type { LeaseStore } from '../../../libs/read-store/coordination.port';
import { waitFor } from '../../../libs/testing/wait-for';
import { startExpiryScheduler } from './invitation-expiry';

const grantedLease: LeaseStore = { tryAcquire: async () => true, release: async () => undefined };

describe('expiry scheduler', () => {
  describe('when a pass fails', () => {
    afterEach(() => jest.useRealTimers());

    it('reports it and waits the interval before the next, as after a pass that succeeds', async () => {
      jest.useFakeTimers();
      const errors: unknown[] = [];
      let runs = 0;
      const scheduler = startExpiryScheduler({
        leases: grantedLease,
        intervalMs: 15_000,
        onError: (error) => errors.push(error),
        expiry: {
          expireDue: async () => {
            runs += 1;
            throw new Error('store down');
          },
        },
      });
      await jest.advanceTimersByTimeAsync(14_000); // eight lease ticks
      expect([runs, errors.length]).toEqual([1, 1]);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(runs).toBe(2);
      await scheduler.stop();
    });
  });

  describe('when stopped while a run is in progress', () => {
    it('stops once the run ends, without waiting out the interval', async () => {
      let finishRun!: () => void;
      let runs = 0;
      const scheduler = startExpiryScheduler({
        leases: grantedLease,
        intervalMs: 3_600_000, // a stop that waited it out would time the test out
        expiry: {
          expireDue: () => {
            runs += 1;
            return new Promise((resolve) => (finishRun = () => resolve(0)));
          },
        },
      });
      await waitFor(() => runs === 1, { message: 'first run' });
      const stopped = scheduler.stop();
      finishRun();
      await stopped;
      expect(scheduler.isActive()).toBe(false);
      expect(runs).toBe(1);
    });
  });
});
