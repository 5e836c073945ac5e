import { randomUUID } from 'node:crypto';
import { metrics, reportBrokerConnected, reportLag } from './metrics';

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
    it('keeps reporting the worker until the last instance stops, whichever stops first', async () => {
      for (const firstToStop of [0, 1]) {
        const worker = `w-${randomUUID()}`;
        const unreport = [reportLag(worker, async () => 1), reportLag(worker, async () => 2)];
        unreport[firstToStop]();
        expect(await scrapedLag(worker)).toBe(firstToStop === 0 ? 2 : 1);
        unreport[1 - firstToStop]();
        expect(await scrapedLag(worker)).toBeUndefined();
      }
    });
  });

  describe('when a worker stops while a scrape reads its lag', () => {
    it('keeps no value, where the read brought back the stopped worker’s for good', async () => {
      const worker = `w-${randomUUID()}`;
      let answer!: (lag: bigint) => void;
      const unreport = reportLag(worker, () => new Promise<bigint>((r) => (answer = r)));
      const scrape = scrapedLag(worker);
      await new Promise((r) => setImmediate(r)); // the scrape is reading
      unreport();
      answer(42n);
      expect(await scrape).toBeUndefined();
      expect(await scrapedLag(worker)).toBeUndefined();
    });
  });
});

describe('broker connected', () => {
  const scraped = async () =>
    (await metrics.brokerConnected.get()).values.find((v) => v.labels.broker === 'rabbitmq')?.value;

  describe('when a broker reports whether it is connected', () => {
    it('shows 1 or 0 at each scrape, and nothing once it is closed', async () => {
      let connected = true;
      const unreport = reportBrokerConnected('rabbitmq', () => connected);
      expect(await scraped()).toBe(1);
      connected = false;
      expect(await scraped()).toBe(0);
      unreport();
      expect(await scraped()).toBeUndefined();
    });
  });
});
