import { randomUUID } from 'node:crypto';
import { metrics, reportLag } from './metrics';

/** The lag a scrape shows for `worker`, or undefined when it shows none. */
const scrapedLag = async (worker: string) =>
  (await metrics.lag.get()).values.find((v) => v.labels.worker === worker)?.value;

describe('subscription lag', () => {
  describe('when a worker reports its lag', () => {
    it('is read at each scrape', async () => {
      const worker = `w-${randomUUID()}`;
      let lag = 7n;
      const unreport = reportLag(worker, async () => lag);
      expect(await scrapedLag(worker)).toBe(7);
      lag = 3n;
      expect(await scrapedLag(worker)).toBe(3);
      unreport();
      expect(await scrapedLag(worker)).toBeUndefined();
    });
  });

  describe('when the lag cannot be read', () => {
    it('shows none, where the last value read stayed (often 0, so no alert fired)', async () => {
      const worker = `w-${randomUUID()}`;
      let storeDown = false;
      const unreport = reportLag(worker, async () => {
        if (storeDown) throw new Error('event store unavailable');
        return 0n;
      });
      expect(await scrapedLag(worker)).toBe(0);
      storeDown = true;
      expect(await scrapedLag(worker)).toBeUndefined();
      unreport();
    });
  });

  describe('when another instance of a worker reports under the same name', () => {
    it('keeps reporting it once the first stops', async () => {
      const worker = `w-${randomUUID()}`;
      const unreportFirst = reportLag(worker, async () => 1);
      const unreportSecond = reportLag(worker, async () => 2);
      unreportFirst();
      expect(await scrapedLag(worker)).toBe(2);
      unreportSecond();
    });
  });
});
