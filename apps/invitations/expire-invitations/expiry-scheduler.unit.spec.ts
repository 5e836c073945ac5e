import type { LeaseStore } from '../../../libs/read-store/coordination.port';
import { waitFor } from '../../../libs/testing/wait-for';
import { startExpiryScheduler } from './invitation-expiry';

const grantedLease: LeaseStore = { tryAcquire: async () => true, release: async () => undefined };

describe('expiry scheduler', () => {
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
