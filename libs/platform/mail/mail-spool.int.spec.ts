import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../testing/wait-for';
import { createMailQueue } from './mail-queue';
import { sqliteMailSpool, type MailSpool } from './mail-spool';
import type { Mailer, MailMessage } from './mailer';

const mail = (to: string): MailMessage => ({ to, subject: 's', text: `link for ${to}` });

function recordingMailer(behaviour: 'deliver' | 'hang' | 'fail' = 'deliver') {
  const delivered: string[] = [];
  const tries = { count: 0 };
  const mailer: Mailer = {
    send: (m) => {
      tries.count += 1;
      if (behaviour === 'hang') return new Promise<void>(() => undefined);
      if (behaviour === 'fail') return Promise.reject(new Error('smtp down'));
      delivered.push(m.to);
      return Promise.resolve();
    },
    close: () => undefined,
  };
  return { mailer, delivered, tries };
}

/** A mailer that, once stalled, holds every delivery until opened, as an SMTP server that stops answering. */
function stallingMailer() {
  let gate = Promise.resolve();
  let release: () => void = () => undefined;
  const delivered: string[] = [];
  const mailer: Mailer = {
    send: async (m) => {
      await gate;
      delivered.push(m.to);
    },
    close: () => undefined,
  };
  return {
    mailer,
    delivered,
    stall: () => void (gate = new Promise<void>((resolve) => (release = resolve))),
    open: () => release(),
  };
}

describe('mail queue over the SQLite spool', () => {
  let dir: string;
  let path: string;
  const spools: MailSpool[] = [];
  const openSpool = () => {
    const spool = sqliteMailSpool(path);
    spools.push(spool);
    return spool;
  };
  const queueOn = (spool: MailSpool, mailer: Mailer, givenUp: string[] = []) =>
    createMailQueue(mailer, {
      spool,
      onGiveUp: (label) => givenUp.push(label),
      attempts: 2,
      firstRetryDelayMs: 1,
      closeTimeoutMs: 200,
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mail-spool-'));
    path = join(dir, 'mail-spool.sqlite');
  });
  afterEach(async () => {
    for (const spool of spools.splice(0)) await spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('when a message with a link is delivered', () => {
    it('leaves no trace of it in the spool file, which only its owner may read', async () => {
      const spool = openSpool();
      const { mailer, delivered } = recordingMailer();
      const queue = queueOn(spool, mailer);
      await queue.enqueue({ ...mail('a@x.io'), text: 'token=SECRET-LINK-TOKEN' }, 'invitation a');
      await waitFor(() => delivered.length === 1);
      await queue.close();
      await spool.close();
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path).includes('SECRET-LINK-TOKEN')).toBe(false);
    });

    it('gives the file and WAL an earlier run left readable by all the same mode', async () => {
      const earlier = new Database(path); // as a run before this mode made them
      earlier.pragma('journal_mode = WAL');
      earlier.exec('CREATE TABLE left_behind (x); INSERT INTO left_behind VALUES (1)');
      try {
        await openSpool().pending();
        for (const file of [path, `${path}-wal`]) expect(statSync(file).mode & 0o777).toBe(0o600);
      } finally {
        earlier.close();
      }
    });
  });

  describe('when the process dies before a message is delivered', () => {
    it('the next run delivers it', async () => {
      const crashed = queueOn(openSpool(), recordingMailer('hang').mailer);
      await crashed.enqueue(mail('a@x.io'), 'invitation a');
      // no close: the process is gone

      const { mailer, delivered } = recordingMailer();
      const spool = openSpool();
      const next = queueOn(spool, mailer);
      expect(await next.resume()).toBe(1);
      await waitFor(() => delivered.length === 1);
      expect(delivered).toEqual(['a@x.io']);
      await waitFor(async () => (await spool.pending()).length === 0, {
        message: 'the delivered message leaves the spool',
      });
    });
  });

  describe('when its stream stopped wanting a message before the next run', () => {
    it('the next run asks with the proof it kept, and drops it unsent', async () => {
      const proof = { stream: 'invitation-a', tokenHash: 'h-a' };
      const crashed = queueOn(openSpool(), recordingMailer('hang').mailer);
      (await crashed.intend(mail('a@x.io'), 'invitation a', proof)).send();
      const spool = openSpool();
      await waitFor(async () => (await spool.pending()).length === 1);
      // no close: the process is gone

      const { mailer, tries } = recordingMailer();
      const asked: unknown[] = [];
      const next = createMailQueue(mailer, {
        spool,
        onGiveUp: () => undefined,
        stillWanted: async (p) => !asked.push(p),
      });
      expect(await next.resume()).toBe(1);
      await waitFor(async () => (await spool.pending()).length === 0, {
        message: 'the unwanted message leaves the spool',
      });
      expect(asked).toEqual([proof]);
      expect(tries.count).toBe(0);
      await next.close();
    });
  });

  describe('when the still-wanted check fails as the service stops (its event store closing)', () => {
    it('leaves the message for the next run rather than send it now and again then', async () => {
      const proof = { stream: 'invitation-a', tokenHash: 'h-a' };
      const { mailer, delivered, tries } = recordingMailer('fail');
      let storeClosed = false;
      const spool = openSpool();
      const queue = createMailQueue(mailer, {
        spool,
        onGiveUp: () => undefined,
        firstRetryDelayMs: 60_000,
        stillWanted: async () => {
          if (storeClosed) throw new Error('the event store is closed');
          return true;
        },
      });
      (await queue.intend(mail('a@x.io'), 'invitation a', proof)).send();
      await waitFor(() => tries.count === 1); // failed once: waits for its retry
      storeClosed = true;
      await queue.close(); // retries at once: the check fails
      expect(tries.count).toBe(1);
      expect(delivered).toEqual([]);

      const next = queueOn(openSpool(), recordingMailer().mailer);
      expect(await next.resume()).toBe(1);
      await next.close();
    });
  });

  describe('when messages are delivered', () => {
    it('leaves nothing in the spool, and many saved at once each get their own place', async () => {
      const { mailer, delivered } = recordingMailer();
      const spool = openSpool();
      const queue = queueOn(spool, mailer);
      const to = Array.from({ length: 50 }, (_, i) => `c${i}@x.io`);
      await Promise.all(to.map((t) => queue.enqueue(mail(t), t)));
      await waitFor(() => delivered.length === 50);
      expect([...delivered].sort()).toEqual([...to].sort());
      await waitFor(async () => (await spool.pending()).length === 0);
    });
  });

  describe('when delivery keeps failing while the service runs', () => {
    it('gives the message up and removes it, so no later run sends it', async () => {
      const givenUp: string[] = [];
      const spool = openSpool();
      const queue = queueOn(spool, recordingMailer('fail').mailer, givenUp);
      await queue.enqueue(mail('a@x.io'), 'invitation a');
      await waitFor(() => givenUp.length === 1);
      await waitFor(async () => (await spool.pending()).length === 0);
    });
  });

  describe('when the service shuts down while delivery fails', () => {
    it('keeps the message for the next run instead of giving it up', async () => {
      const givenUp: string[] = [];
      const failing = recordingMailer('fail');
      const queue = createMailQueue(failing.mailer, {
        spool: openSpool(),
        onGiveUp: (label) => givenUp.push(label),
        firstRetryDelayMs: 60_000, // waiting for its retry when the shutdown comes
        closeTimeoutMs: 200,
      });
      await queue.enqueue(mail('a@x.io'), 'invitation a');
      await waitFor(() => queue.size() === 1 && failing.tries.count > 0, {
        message: 'the first try failed',
      });
      await queue.close();
      expect(givenUp).toEqual([]);

      const { mailer, delivered } = recordingMailer();
      const next = queueOn(openSpool(), mailer);
      expect(await next.resume()).toBe(1);
      await waitFor(() => delivered.length === 1);
    });
  });

  describe('when more messages arrive than the queue holds in memory while SMTP stalls', () => {
    /** A spooled queue with room for three in memory, its mailer stalled until `open()`. */
    const stalledQueue = () => {
      const stalling = stallingMailer();
      stalling.stall();
      const queue = createMailQueue(stalling.mailer, {
        spool: openSpool(),
        onGiveUp: () => undefined,
        capacity: 3,
        concurrency: 1,
      });
      return { ...stalling, queue };
    };

    it('takes each at once, keeps the rest on disk, and delivers all in order when SMTP answers', async () => {
      const { queue, delivered, open } = stalledQueue();
      const to = Array.from({ length: 10 }, (_, i) => `c${i}@x.io`);
      for (const t of to) await queue.enqueue(mail(t), t); // none waits for room
      expect(queue.size()).toBe(3);

      open();
      await waitFor(() => delivered.length === 10, { message: 'all ten delivered' });
      expect(delivered).toEqual(to);
    });

    it('does so again after the spool has emptied, whatever ids its rows had', async () => {
      const { mailer: stalled, delivered, stall, open } = stallingMailer();
      const spool = openSpool();
      const queue = createMailQueue(stalled, { spool, onGiveUp: () => undefined, capacity: 2 });
      const burst = async (name: string, n: number) => {
        const to = Array.from({ length: n }, (_, i) => `${name}${i}@x.io`);
        stall();
        for (const t of to) await queue.enqueue(mail(t), t);
        open();
        await waitFor(() => to.every((t) => delivered.includes(t)), { message: `${name} sent` });
        await waitFor(async () => (await spool.pending(0, 100)).length === 0, {
          message: 'the spool empty',
        });
        return to;
      };

      const first = await burst('a', 4);
      const second = await burst('b', 5);
      expect(delivered).toEqual([...first, ...second]);
    });

    it('counts those kept on disk as waiting too, and none once all are delivered', async () => {
      const { queue, delivered, open } = stalledQueue();
      for (let i = 0; i < 10; i += 1) await queue.enqueue(mail(`c${i}@x.io`), `c${i}`);
      expect(await queue.waiting()).toBe(10);

      open();
      await waitFor(() => delivered.length === 10, { message: 'all ten delivered' });
      expect(await queue.waiting()).toBe(0);
      await queue.close();
    });

    it('counts what an earlier run left on disk past the room in memory as waiting', async () => {
      const crashed = queueOn(openSpool(), recordingMailer('hang').mailer);
      for (let i = 0; i < 6; i += 1) await crashed.enqueue(mail(`c${i}@x.io`), `c${i}`);
      // no close: the process is gone

      const { mailer: stalled, stall, open } = stallingMailer();
      stall();
      const next = createMailQueue(stalled, {
        spool: openSpool(),
        onGiveUp: () => undefined,
        capacity: 2,
        concurrency: 1,
      });
      await next.resume();
      expect(next.size()).toBe(2);
      expect(await next.waiting()).toBe(6);
      open();
      await waitFor(async () => (await next.waiting()) === 0, { message: 'none waiting' });
      await next.close();
    });
  });

  describe('when a spool from before is opened', () => {
    it('keeps its messages and never gives an id twice', async () => {
      const Database = (await import('better-sqlite3')).default;
      const old = new Database(path);
      old.exec(`CREATE TABLE mail_spool (id INTEGER PRIMARY KEY, label TEXT NOT NULL,
        message TEXT NOT NULL, spooled_at TEXT NOT NULL);
        INSERT INTO mail_spool VALUES (7, 'old', '${JSON.stringify(mail('old@x.io'))}', 'x');`);
      old.close();

      const spool = openSpool();
      expect((await spool.pending(0, 10)).map((m) => [m.id, m.label])).toEqual([[7, 'old']]);
      await spool.remove({ id: 7 });
      expect(await spool.save(mail('new@x.io'), 'new', 'k-new')).toBe(8);
    });
  });

  describe('when a spool from before keys and proofs is opened', () => {
    it('keeps its messages, finds a message saved again by its key, and keeps proofs', async () => {
      const Database = (await import('better-sqlite3')).default;
      const old = new Database(path);
      old.exec(`CREATE TABLE mail_spool (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL,
        message TEXT NOT NULL, spooled_at TEXT NOT NULL);
        INSERT INTO mail_spool VALUES (3, 'old', '${JSON.stringify(mail('old@x.io'))}', 'x');`);
      old.close();

      const spool = openSpool();
      const id = await spool.save(mail('a@x.io'), 'a', 'k-a');
      expect(await spool.save(mail('a@x.io'), 'a', 'k-a')).toBe(id);
      expect((await spool.pending()).map((m) => [m.id, m.label, m.proof])).toEqual([
        [3, 'old', undefined],
        [id, 'a', undefined],
      ]);
      const proof = { stream: 's', tokenHash: 'h' };
      const withProof = await spool.save(mail('b@x.io'), 'b', 'k-b', undefined, proof);
      expect((await spool.pending(id)).map((m) => [m.id, m.proof])).toEqual([[withProof, proof]]);
    });
  });

  describe('when a message is saved again under its key', () => {
    it('finds the place it has instead of keeping a second copy', async () => {
      const spool = openSpool();
      const first = await spool.save(mail('a@x.io'), 'a', 'k-a');
      expect(await spool.save(mail('a@x.io'), 'a', 'k-a')).toBe(first);
      expect((await spool.pending()).map((m) => m.id)).toEqual([first]);
    });
  });

  describe('when a message is removed by the key it was saved under', () => {
    it('removes that row and no other', async () => {
      const spool = openSpool();
      await spool.save(mail('a@x.io'), 'a', 'k-a');
      const b = await spool.save(mail('b@x.io'), 'b', 'k-b');
      await spool.remove({ key: 'k-a' });
      await spool.remove({ key: 'k-unknown' });
      expect((await spool.pending()).map((m) => m.id)).toEqual([b]);
    });
  });
});
