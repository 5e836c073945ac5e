import fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtpTestServer } from '../../testing/smtp-test-server';
import { createMailer } from './mailer';
import { isRefusedForGood } from './refused-for-good';
import { createTransportMailer } from './transport-mailer';

const from = 'Invitations <no-reply@invitations.test>';
const message = (to: string) => ({ to, subject: 'Hello', text: `Your link: https://x.test/${to}` });
const messageIdsOf = (raws: string[]) => raws.map((raw) => /^Message-ID: (.*)$/im.exec(raw)?.[1]);

describe('mailer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('when no SMTP server is configured', () => {
    it('writes one .eml file per message into the outbox, creating it first', async () => {
      const outboxDir = join(dir, 'outbox');
      const mailer = createMailer({ outboxDir, from });
      await Promise.all(['a@x.test', 'b@x.test'].map((to) => mailer.send(message(to))));
      mailer.close();
      const files = readdirSync(outboxDir);
      expect(files).toHaveLength(2);
      expect(files.every((f) => f.endsWith('.eml'))).toBe(true);
      const texts = files.map((f) => readFileSync(join(outboxDir, f), 'utf8'));
      expect(texts.find((t) => t.includes('To: a@x.test'))).toContain('https://x.test/a@x.test');
    });

    it("gives each message a Message-ID of its own, at the sender's domain", async () => {
      const mailer = createMailer({ outboxDir: dir, from });
      await Promise.all(['a@x.test', 'b@x.test', 'c@x.test'].map((to) => mailer.send(message(to))));
      mailer.close();
      const ids = messageIdsOf(readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')));
      expect(new Set(ids).size).toBe(3);
      for (const id of ids) expect(id).toMatch(/^<[0-9a-f-]{36}@invitations\.test>$/);
    });

    it('leaves nothing in the outbox when a write stops midway', async () => {
      const mailer = createTransportMailer({ outboxDir: dir, from });
      const fullDisk = jest.spyOn(fs, 'writeFileSync').mockImplementationOnce((path, data) => {
        fs.appendFileSync(path as string, String(data).slice(0, 40));
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      });
      try {
        await expect(mailer.send(message('a@x.test'))).rejects.toThrow('ENOSPC');
        expect(readdirSync(dir)).toEqual([]);
        await mailer.send(message('a@x.test'));
        expect(readdirSync(dir)).toEqual([expect.stringMatching(/\.eml$/)]);
      } finally {
        fullDisk.mockRestore();
      }
    });

    it('fails the send when the outbox cannot be written', async () => {
      writeFileSync(join(dir, 'a-file'), '');
      const mailer = createMailer({ outboxDir: join(dir, 'a-file', 'outbox'), from });
      await expect(mailer.send(message('a@x.test'))).rejects.toThrow();
      mailer.close();
    });
  });

  describe('when the SMTP server refuses a recipient', () => {
    it('fails the send as refused for good for a bad address, and as worth another try for the rest', async () => {
      const replies: Record<string, string> = {
        gone: '550 5.1.1 no such mailbox',
        relay: '550 5.7.1 relaying denied', // the setup: an operator mends it
        busy: '451 4.3.0 try again later',
      };
      const smtp = await startSmtpTestServer({ refuse: (to) => replies[to.split('@')[0]] });
      const mailer = createMailer({ smtpUrl: smtp.url, outboxDir: dir, from });
      try {
        const failure = (to: string) =>
          mailer.send(message(to)).then(
            () => undefined,
            (e) => e,
          );
        expect(isRefusedForGood(await failure('gone@x.test'))).toBe(true);
        for (const to of ['relay@x.test', 'busy@x.test']) {
          const error = await failure(to);
          expect(error).toBeInstanceOf(Error);
          expect(isRefusedForGood(error)).toBe(false);
        }
        expect(await failure('ok@x.test')).toBeUndefined();
      } finally {
        mailer.close();
        await smtp.close();
      }
    });
  });

  describe('when an SMTP server is configured', () => {
    it('delivers every message to it', async () => {
      const smtp = await startSmtpTestServer();
      const mailer = createMailer({ smtpUrl: smtp.url, outboxDir: dir, from });
      try {
        await Promise.all(['a@x.test', 'b@x.test'].map((to) => mailer.send(message(to))));
        expect(smtp.received.map((m) => m.to).sort()).toEqual([['a@x.test'], ['b@x.test']]);
        expect((await smtp.waitForMail('b@x.test')).text).toContain('https://x.test/b@x.test');
        const ids = messageIdsOf(smtp.received.map((m) => m.raw));
        expect(new Set(ids).size).toBe(2);
        for (const id of ids) expect(id).toMatch(/^<[0-9a-f-]{36}@invitations\.test>$/);
      } finally {
        mailer.close();
        await smtp.close();
      }
    });
  });
});
