import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../testing/wait-for';
import { metrics } from '../observability/metrics';
import type { Mailer } from './mailer';
import { openSpooledMailQueue, withoutAddresses, worthALine } from './spooled-mail-queue';

const counted = async (service: string, outcome: string) =>
  (await metrics.emails.get()).values.find(
    (v) => v.labels.service === service && v.labels.outcome === outcome,
  )?.value ?? 0;

describe('openSpooledMailQueue', () => {
  describe('when a service sends mail', () => {
    it('spools it in its own file under the data directory, counts what becomes of it and logs no address', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'spooled-queue-'));
      const service = `svc-${Date.now()}`;
      let fail = true;
      const mailer: Mailer = {
        send: async () => {
          if (fail) throw new Error('451 4.3.0 <a@x.io>: try again later');
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
        // The server's words without the address they echo.
        expect(warnings).toEqual([
          'a: email attempt 1 failed, will retry: 451 4.3.0 <***>: try again later',
        ]);
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

describe('withoutAddresses', () => {
  describe('when a mail server’s answer names the recipient', () => {
    it('leaves the address out of the line, keeping the rest', () => {
      expect(
        withoutAddresses(
          "Can't send mail - all recipients were rejected: 550 5.1.1 <gone.ann@x.test>: no such mailbox",
        ),
      ).toBe("Can't send mail - all recipients were rejected: 550 5.1.1 <***>: no such mailbox");
      expect(withoutAddresses('452 4.2.2 ann+tag@example.co.uk over quota')).toBe(
        '452 4.2.2 <***> over quota',
      );
      expect(withoutAddresses('550 rejected: ann@x.io,bob@y.io; carl@z.io')).toBe(
        '550 rejected: <***>,<***>; <***>',
      );
      expect(withoutAddresses('connect ECONNREFUSED 127.0.0.1:25')).toBe(
        'connect ECONNREFUSED 127.0.0.1:25',
      );
    });
  });
});
