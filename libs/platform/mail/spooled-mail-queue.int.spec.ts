import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../testing/wait-for';
import { metrics } from '../observability/metrics';
import type { Mailer } from './mailer';
import { REFUSED_FOR_GOOD } from './refused-for-good';
import { openSpooledMailQueue, withoutAddresses } from './spooled-mail-queue';

const waitingIn = async (service: string) =>
  (await metrics.emailsWaiting.get()).values.find((v) => v.labels.service === service)?.value;

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
          'the mailer does not take emails (451 4.3.0 <***>: try again later); emails wait in the spool and are retried',
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

  describe('when the mail server does not take emails for many emails and attempts', () => {
    it('logs one line naming the setting as it stops, one as it takes them again, and counts the emails waiting meanwhile', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'spooled-queue-'));
      const service = `svc-${Date.now()}-outage`;
      let down = true;
      const mailer: Mailer = {
        send: async (m) => {
          if (m.to === 'gone@x.io') {
            throw Object.assign(new Error('550 5.1.1 <gone@x.io>: no such mailbox'), {
              name: REFUSED_FOR_GOOD,
            });
          }
          if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:2525');
        },
        close: () => undefined,
        destination: 'SMTP_URL: the mail server at smtp://***@127.0.0.1:2525',
      };
      const lines: Array<[level: string, message: string]> = [];
      const log = {
        log: (m: string) => void lines.push(['info', m]),
        warn: (m: string) => void lines.push(['warn', m]),
        error: (m: string) => void lines.push(['error', m]),
      };
      const queue = await openSpooledMailQueue(mailer, {
        dataDir,
        service,
        log,
        firstRetryDelayMs: 1,
      });
      try {
        expect(await waitingIn(service)).toBe(0);
        for (let i = 0; i < 20; i += 1) {
          await queue.enqueue({ to: `u${i}@x.io`, subject: 's', text: 't' }, `invitation ${i}`);
        }
        await waitFor(async () => (await counted(service, 'retried')) >= 20 * 4);
        expect(await waitingIn(service)).toBe(20);
        // Refused for good while the server is down and once it is back: told per email, no more.
        await queue.enqueue({ to: 'gone@x.io', subject: 's', text: 't' }, 'invitation gone');
        await waitFor(async () => (await counted(service, 'given_up')) === 1);
        down = false;
        await waitFor(async () => (await counted(service, 'delivered')) === 20);
        await queue.enqueue({ to: 'gone@x.io', subject: 's', text: 't' }, 'invitation gone again');
        await waitFor(async () => (await counted(service, 'given_up')) === 2);
        await waitFor(async () => (await waitingIn(service)) === 0);

        const failed = await counted(service, 'retried');
        expect(lines).toEqual([
          [
            'warn',
            'SMTP_URL: the mail server at smtp://***@127.0.0.1:2525 does not take emails (connect ECONNREFUSED 127.0.0.1:2525); emails wait in the spool and are retried',
          ],
          ['error', 'invitation gone: email not sent: 550 5.1.1 <***>: no such mailbox'],
          [
            'info',
            `SMTP_URL: the mail server at smtp://***@127.0.0.1:2525 takes emails again; ${failed} attempts failed meanwhile`,
          ],
          ['error', 'invitation gone again: email not sent: 550 5.1.1 <***>: no such mailbox'],
        ]);
      } finally {
        await queue.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
      // A closed queue waits on nothing: its service has no value left.
      expect(await waitingIn(service)).toBeUndefined();
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
