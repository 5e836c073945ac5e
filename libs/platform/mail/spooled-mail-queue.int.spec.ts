import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../testing/wait-for';
import { metrics } from '../observability/metrics';
import type { Mailer } from './mailer';
import { openSpooledMailQueue, worthALine } from './spooled-mail-queue';

const counted = async (service: string, outcome: string) =>
  (await metrics.emails.get()).values.find(
    (v) => v.labels.service === service && v.labels.outcome === outcome,
  )?.value ?? 0;

describe('openSpooledMailQueue', () => {
  describe('when a service sends mail', () => {
    it('spools it in its own file under the data directory and counts what becomes of it', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'spooled-queue-'));
      const service = `svc-${Date.now()}`;
      let fail = true;
      const mailer: Mailer = {
        send: async () => {
          if (fail) throw new Error('smtp down');
        },
        close: () => undefined,
      };
      const warnings: string[] = [];
      const log = {
        log: () => undefined,
        error: () => undefined,
        warn: (m: string) => void warnings.push(m),
      };
      const queue = await openSpooledMailQueue(mailer, { dataDir, service, log });
      try {
        await queue.enqueue({ to: 'a@x.io', subject: 's', text: 't' }, 'a');
        await waitFor(async () => (await counted(service, 'retried')) === 1);
        expect(warnings).toEqual(['a: email attempt 1 failed, will retry: smtp down']);
        fail = false;
        await waitFor(async () => (await counted(service, 'delivered')) === 1, { timeoutMs: 5000 });
        expect(existsSync(join(dataDir, `${service}-mail-spool.sqlite`))).toBe(true);
      } finally {
        await queue.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});

describe('worthALine', () => {
  describe('when an email keeps failing for the day it is retried', () => {
    it('logs its first five attempts, then about one an hour, not each one', () => {
      const logged = Array.from({ length: 290 }, (_, i) => i + 1).filter(worthALine);
      expect(logged.slice(0, 6)).toEqual([1, 2, 3, 4, 5, 12]);
      expect(logged.length).toBeLessThan(30);
    });
  });
});
