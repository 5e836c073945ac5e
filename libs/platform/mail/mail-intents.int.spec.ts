import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../testing/wait-for';
import { createMailQueue, type MailQueueOptions } from './mail-queue';
import { sqliteMailSpool, type MailProof, type MailSpool } from './mail-spool';
import type { Mailer, MailMessage } from './mailer';

const mail = (to: string): MailMessage => ({ to, subject: 's', text: `link for ${to}` });
const proof = (tokenHash: string): MailProof => ({ stream: 'invitation-1', tokenHash });

describe('mails written down before their command commits', () => {
  let dir: string;
  let path: string;
  const spools: ReturnType<typeof sqliteMailSpool>[] = [];
  /** A queue over the spool file, whose commands recorded the token hashes in `recorded`. */
  const queueOn = (
    recorded: (p: MailProof) => Promise<boolean>,
    send?: Mailer['send'],
    saving: (s: MailSpool) => MailSpool = (s) => s,
  ) => {
    const spool = sqliteMailSpool(path);
    spools.push(spool);
    const delivered: string[] = [];
    const mailer: Mailer = {
      send: send ?? (async (m) => void delivered.push(m.to)),
      close: () => undefined,
    };
    const queue = createMailQueue(mailer, {
      spool: saving(spool),
      intents: { store: spool, recorded },
      onGiveUp: () => undefined,
      firstRetryDelayMs: 1,
    });
    return { queue, spool, delivered };
  };
  const recordedOnly =
    (...hashes: string[]) =>
    async (p: MailProof) =>
      hashes.includes(p.tokenHash);

  const openSpool = () => {
    const spool = sqliteMailSpool(path);
    spools.push(spool);
    return spool;
  };
  /** A queue over `spool` as the test left it, whose command recorded `h1`. */
  const queueOver = (
    spool: ReturnType<typeof sqliteMailSpool>,
    options: Partial<MailQueueOptions> = {},
  ) => {
    const delivered: string[] = [];
    const queue = createMailQueue(
      { send: async (m) => void delivered.push(m.to), close: () => undefined },
      {
        spool,
        intents: { store: spool, recorded: recordedOnly('h1') },
        onGiveUp: () => undefined,
        ...options,
      },
    );
    return { queue, delivered };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mail-intents-'));
    path = join(dir, 'mail-spool.sqlite');
  });
  afterEach(async () => {
    for (const spool of spools.splice(0)) await spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('when the process dies between the commit and the spool', () => {
    it('the next start sends the mails whose commands were recorded, and drops the others', async () => {
      const crashed = queueOn(recordedOnly('h1'), () => new Promise(() => undefined));
      await crashed.queue.intend(mail('recorded@x.io'), 'invitation 1', proof('h1'));
      await crashed.queue.intend(mail('refused@x.io'), 'invitation 2', proof('h2'));
      // no send, no drop, no close: the process is gone

      const next = queueOn(recordedOnly('h1'));
      expect(await next.queue.resume()).toBe(1);
      await waitFor(() => next.delivered.length === 1);
      expect(next.delivered).toEqual(['recorded@x.io']);
      expect(await next.spool.intents()).toEqual([]);
    });
  });

  describe('when the command recorded it', () => {
    it('is sent once, and nothing of it is left for the next start', async () => {
      const { queue, spool, delivered } = queueOn(recordedOnly('h1'));
      (await queue.intend(mail('a@x.io'), 'invitation 1', proof('h1'))).send();
      await waitFor(() => delivered.length === 1);
      await waitFor(async () => (await spool.pending()).length === 0);
      expect(await spool.intents()).toEqual([]);

      const next = queueOn(recordedOnly('h1'));
      expect(await next.queue.resume()).toBe(0);
    });
  });

  describe('when the command was refused', () => {
    it('is never sent', async () => {
      const { queue, spool, delivered } = queueOn(recordedOnly());
      (await queue.intend(mail('a@x.io'), 'invitation 1', proof('h1'))).drop();
      await waitFor(async () => (await spool.intents()).length === 0);
      expect(delivered).toEqual([]);
    });
  });

  describe('when its command failed not knowing whether it committed', () => {
    it('sends it if recorded, drops it if not, and keeps it while the store cannot tell', async () => {
      const { queue, spool, delivered } = queueOn(async (p) => {
        if (p.tokenHash === 'unknown') throw new Error('event store unavailable');
        return p.tokenHash === 'h1';
      });
      for (const [to, hash] of [
        ['recorded@x.io', 'h1'],
        ['refused@x.io', 'h2'],
        ['unknown@x.io', 'unknown'],
      ]) {
        (await queue.intend(mail(to), `invitation ${hash}`, proof(hash))).settle();
      }
      await waitFor(() => delivered.length === 1);
      await waitFor(async () => (await spool.intents()).length === 1);
      expect(delivered).toEqual(['recorded@x.io']);
      expect((await spool.intents()).map((i) => i.message.to)).toEqual(['unknown@x.io']);
    });
  });

  describe('when the service stops just after answering', () => {
    it('delivers the mail before it has closed, so the next start does not send it again', async () => {
      const { queue, delivered } = queueOn(recordedOnly('h1'));
      (await queue.intend(mail('a@x.io'), 'invitation 1', proof('h1'))).send();
      await queue.close(); // at once: the save is still in flight
      expect(delivered).toEqual(['a@x.io']);

      const next = queueOn(recordedOnly('h1'));
      expect(await next.queue.resume()).toBe(0);
    });
  });

  describe('when the mail cannot be written down before its command', () => {
    it('says so, not that it is held in memory, and spools it as usual once recorded', async () => {
      const spool = openSpool();
      spool.intend = () => Promise.reject(new Error('disk busy'));
      const said: string[] = [];
      const { queue, delivered } = queueOver(spool, {
        onIntentWriteFailure: (label) => said.push(`not written down: ${label}`),
        onSpoolFailure: (label) => said.push(`not spooled: ${label}`),
      });
      (await queue.intend(mail('a@x.io'), 'invitation 1', proof('h1'))).send();
      await queue.close();
      expect(said).toEqual(['not written down: invitation 1']);
      expect(delivered).toEqual(['a@x.io']);
    });
  });

  describe('when the spool cannot take the mail once its command is recorded', () => {
    it('sends it from memory, and then forgets what was written down, so it is sent once', async () => {
      const failingSaves = (spool: MailSpool): MailSpool => ({
        ...spool,
        save: () => Promise.reject(new Error('disk full')),
      });
      const { queue, spool, delivered } = queueOn(recordedOnly('h1'), undefined, failingSaves);
      (await queue.intend(mail('a@x.io'), 'invitation 1', proof('h1'))).send();
      await waitFor(() => delivered.length === 1);
      await waitFor(async () => (await spool.intents()).length === 0);

      const next = queueOn(recordedOnly('h1'));
      expect(await next.queue.resume()).toBe(0);
    });
  });

  describe('when a mail the spool could not take is still undelivered at close', () => {
    it('keeps what was written down, so the next start sends it', async () => {
      const failingSaves = (spool: MailSpool): MailSpool => ({
        ...spool,
        save: () => Promise.reject(new Error('disk full')),
      });
      const down = () => Promise.reject(new Error('smtp down'));
      const { queue } = queueOn(recordedOnly('h1'), down, failingSaves);
      (await queue.intend(mail('a@x.io'), 'invitation 1', proof('h1'))).send();
      await queue.close();

      const next = queueOn(recordedOnly('h1'));
      expect(await next.queue.resume()).toBe(1);
      await waitFor(() => next.delivered.length === 1);
    });
  });

  describe('when the event store cannot tell for a moment', () => {
    it('checks again while the service runs, and sends it once it can', async () => {
      let answers = 0;
      const { queue, delivered } = queueOn(async () => {
        answers += 1;
        if (answers === 1) throw new Error('event store unavailable');
        return true;
      });
      (await queue.intend(mail('a@x.io'), 'invitation 1', proof('h1'))).settle();
      await waitFor(() => delivered.length === 1, { message: 'the check again, and the mail' });
    });
  });

  describe('when the spool cannot be read at the next start', () => {
    it('reads it again while the service runs, and sends what the commands recorded, once', async () => {
      const crashed = queueOn(recordedOnly('h1'));
      await crashed.queue.intend(mail('a@x.io'), 'invitation 1', proof('h1'));

      const spool = openSpool();
      const intents = spool.intents.bind(spool);
      let reads = 0;
      spool.intents = () => (++reads === 1 ? Promise.reject(new Error('disk busy')) : intents());
      const { queue, delivered } = queueOver(spool);
      expect(await queue.resume()).toBe(0);
      // A command of this run in flight as the read is tried again: not an earlier run's.
      const inFlight = await queue.intend(mail('b@x.io'), 'invitation 2', proof('h1'));
      await waitFor(() => delivered.length === 1, { message: 'the read again, and the mail' });
      inFlight.send();
      await queue.close();
      expect(delivered).toEqual(['a@x.io', 'b@x.io']);
    });
  });

  describe('when the event store cannot tell at the next start', () => {
    it('keeps the mail for the start after', async () => {
      const crashed = queueOn(recordedOnly('h1'));
      await crashed.queue.intend(mail('a@x.io'), 'invitation 1', proof('h1'));

      const unsure = queueOn(() => Promise.reject(new Error('event store unavailable')));
      expect(await unsure.queue.resume()).toBe(0);
      expect(await unsure.spool.intents()).toHaveLength(1);

      const next = queueOn(recordedOnly('h1'));
      expect(await next.queue.resume()).toBe(1);
      await waitFor(() => next.delivered.length === 1);
    });
  });
});
