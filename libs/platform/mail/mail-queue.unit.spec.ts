import { waitFor } from '../../testing/wait-for';
import { createMailQueue, type MailQueueOptions } from './mail-queue';
import type { MailSpool, SpoolPlace } from './mail-spool';
import type { Mailer, MailMessage } from './mailer';
import { REFUSED_FOR_GOOD } from './refused-for-good';

const mail = (to: string): MailMessage => ({ to, subject: 's', text: `link for ${to}` });

/** A mailer that fails the first `failures` attempts for each address (or for the one named), then delivers. */
function flakyMailer(failures: number | Record<string, number> = 0) {
  const delivered: string[] = [];
  const tries = new Map<string, number>();
  const mailer: Mailer = {
    async send(m) {
      const n = (tries.get(m.to) ?? 0) + 1;
      tries.set(m.to, n);
      if (n <= (typeof failures === 'number' ? failures : (failures[m.to] ?? 0)))
        throw new Error(`smtp down (${m.to})`);
      delivered.push(m.to);
    },
    close: () => undefined,
  };
  return { mailer, delivered, tries };
}

function queueWith(mailer: Mailer, options: Partial<MailQueueOptions> = {}) {
  const givenUp: string[] = [];
  const queue = createMailQueue(mailer, {
    onGiveUp: (label) => givenUp.push(label),
    firstRetryDelayMs: 1,
    ...options,
  });
  return { queue, givenUp };
}

/** A spool in memory whose first save commits and then loses its answer, as a thread dying then would. */
function spoolLosingFirstAnswer(): MailSpool & { rows: Map<number, string> } {
  const rows = new Map<number, string>();
  const byKey = new Map<string, number>();
  let saves = 0;
  return {
    rows,
    async save(_message, label, key) {
      saves += 1;
      if (!byKey.has(key)) byKey.set(key, byKey.size + 1);
      const id = byKey.get(key)!;
      rows.set(id, label);
      if (saves === 1) throw new Error('mail-spool thread exited (1)');
      return id;
    },
    async remove(place) {
      if ('id' in place) rows.delete(place.id);
    },
    pending: async () => [],
    close: async () => undefined,
  };
}

/**
 * A spool in memory whose answers to saves (or reads) can be held back, as a busy thread's are,
 * and whose next saves can fail: `lost` commits and loses its answer, `refused` commits nothing.
 */
function heldSpool() {
  const rows = new Map<number, { message: MailMessage; label: string; key: string }>();
  let last = 0;
  const held: Array<() => void> = [];
  const hold = <T>(value: T) => new Promise<T>((resolve) => held.push(() => resolve(value)));
  const spool = {
    rows,
    holdSaves: false,
    holdReads: false,
    saveFaults: [] as Array<'lost' | 'refused'>,
    removeFaults: 0,
    /** Lets every held answer through. */
    answer: () => held.splice(0).forEach((release) => release()),
    async save(message: MailMessage, label: string, key: string) {
      const fault = spool.saveFaults.shift();
      if (fault === 'refused') throw new Error('SQLITE_FULL: database or disk is full');
      const id = (last += 1);
      rows.set(id, { message, label, key });
      if (fault === 'lost') throw new Error('mail-spool thread exited (1)');
      return spool.holdSaves ? hold(id) : id;
    },
    async remove(place: SpoolPlace) {
      if (spool.removeFaults > 0 && spool.removeFaults--)
        throw new Error('mail-spool thread exited (1)');
      for (const [id, row] of rows)
        if ('id' in place ? id === place.id : row.key === place.key) rows.delete(id);
    },
    async pending(afterId = 0, limit = Number.MAX_SAFE_INTEGER) {
      const next = [...rows]
        .filter(([id]) => id > afterId)
        .slice(0, limit)
        .map(([id, row]) => ({ id, ...row }));
      return spool.holdReads ? hold(next) : next;
    },
    close: async () => undefined,
  };
  return spool;
}

/** A mailer that holds its first delivery until opened. */
function gatedMailer() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const sent: string[] = [];
  const mailer: Mailer = {
    async send(m) {
      if (sent.length === 0) await gate;
      sent.push(m.to);
    },
    close: () => undefined,
  };
  return { mailer, sent, open: () => open() };
}

describe('mail queue', () => {
  describe('when the spool loses the answer to a save it committed', () => {
    it('finds the saved message again, so it is delivered once and leaves no copy behind', async () => {
      const { mailer, delivered } = flakyMailer();
      const spool = spoolLosingFirstAnswer();
      const notSpooled: string[] = [];
      const { queue } = queueWith(mailer, {
        spool,
        onSpoolFailure: (label) => notSpooled.push(label),
      });
      await queue.enqueue(mail('a@x.io'), 'a');
      await waitFor(() => delivered.length === 1 && spool.rows.size === 0, {
        message: 'delivered and removed from the spool',
      });
      expect(delivered).toEqual(['a@x.io']);
      expect(notSpooled).toEqual([]);
    });
  });

  describe('when a refill reads a message before its save is answered', () => {
    it('takes it in once, so it is delivered once', async () => {
      const { mailer, sent, open } = gatedMailer();
      const spool = heldSpool();
      const { queue } = queueWith(mailer, { spool, capacity: 2, concurrency: 1 });
      await queue.enqueue(mail('a@x.io'), 'a'); // in flight, held
      await queue.enqueue(mail('b@x.io'), 'b');
      await queue.enqueue(mail('c@x.io'), 'c'); // past capacity: waits on disk
      spool.holdSaves = true;
      const d = queue.enqueue(mail('d@x.io'), 'd'); // saved, its answer held
      open();
      await waitFor(() => sent.length === 4 && queue.size() === 0, {
        message: 'all four delivered, d taken in from disk',
      });
      spool.answer();
      await d;
      await waitFor(() => spool.rows.size === 0);
      await new Promise((r) => setImmediate(r));
      expect(sent).toEqual(['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io']);
    });
  });

  describe('when it closes while a refill reads the spool', () => {
    it('leaves what the read brings on disk for the next run', async () => {
      const { mailer, sent, open } = gatedMailer();
      const spool = heldSpool();
      const { queue } = queueWith(mailer, { spool, capacity: 1, concurrency: 1 });
      await queue.enqueue(mail('a@x.io'), 'a'); // in flight, held
      await queue.enqueue(mail('b@x.io'), 'b'); // waits on disk
      spool.holdReads = true;
      open();
      await waitFor(() => sent.length === 1 && queue.size() === 0, {
        message: 'a delivered, the refill reading',
      });
      await queue.close();
      spool.answer();
      await new Promise((r) => setImmediate(r));
      expect(sent).toEqual(['a@x.io']);
      expect([...spool.rows.values()].map((row) => row.label)).toEqual(['b']);
    });
  });

  describe('when a save fails twice though its first try committed', () => {
    it('sends the message once and removes its row, so no later run sends it again', async () => {
      const { mailer, delivered } = flakyMailer();
      const spool = heldSpool();
      const { queue } = queueWith(mailer, { spool });
      spool.saveFaults = ['lost', 'refused'];
      await queue.enqueue(mail('a@x.io'), 'a');
      await waitFor(() => delivered.length === 1 && spool.rows.size === 0, {
        message: 'delivered and its row removed',
      });
      await queue.close();
      expect(delivered).toEqual(['a@x.io']);
    });

    it('does not send it again when a refill meets its row', async () => {
      const { mailer, sent, open } = gatedMailer();
      const spool = heldSpool();
      const { queue } = queueWith(mailer, { spool, capacity: 2, concurrency: 1 });
      await queue.enqueue(mail('a@x.io'), 'a'); // in flight, held
      spool.saveFaults = ['lost', 'refused'];
      await queue.enqueue(mail('b@x.io'), 'b'); // held in memory, and its row on disk
      await queue.enqueue(mail('c@x.io'), 'c'); // past capacity: waits on disk, behind b's row
      open(); // a refill reads b's row and c's
      await waitFor(() => sent.length >= 3 && queue.size() === 0 && spool.rows.size === 0, {
        message: 'all three delivered and removed',
      });
      await queue.close();
      expect(sent).toEqual(['a@x.io', 'b@x.io', 'c@x.io']);
    });
  });

  describe('when removing a sent message from the spool fails', () => {
    it('removes it on a later try, so no later run sends it again', async () => {
      const { mailer, delivered } = flakyMailer();
      const spool = heldSpool();
      const waits: Array<number | undefined> = [];
      const { queue } = queueWith(mailer, {
        spool,
        onSpoolRemoveFailure: (_error, retryInMs) => waits.push(retryInMs),
      });
      spool.removeFaults = 1;
      await queue.enqueue(mail('a@x.io'), 'a');
      await waitFor(() => delivered.length === 1 && spool.rows.size === 0, {
        message: 'delivered and removed on the later try',
      });
      expect(waits).toEqual([1000]);
      await queue.close();
    });
  });

  describe('when a message is enqueued', () => {
    it('is delivered in the background, in order', async () => {
      const { mailer, delivered } = flakyMailer();
      const { queue } = queueWith(mailer, { concurrency: 1 });
      await queue.enqueue(mail('a@x.io'), 'a');
      await queue.enqueue(mail('b@x.io'), 'b');
      await waitFor(() => delivered.length === 2);
      expect(delivered).toEqual(['a@x.io', 'b@x.io']);
      expect(queue.size()).toBe(0);
    });
  });

  describe('when delivery fails for a while', () => {
    it('retries until it succeeds', async () => {
      const { mailer, delivered, tries } = flakyMailer(2);
      const retries: number[] = [];
      const { queue, givenUp } = queueWith(mailer, {
        onRetry: (_label, attempt) => retries.push(attempt),
      });
      await queue.enqueue(mail('a@x.io'), 'a');
      await waitFor(() => delivered.length === 1);
      expect(tries.get('a@x.io')).toBe(3);
      expect(retries).toEqual([1, 2]);
      expect(givenUp).toEqual([]);
    });

    it('goes on past six attempts, so a mail server down for a while delays the email, not loses it', async () => {
      const { mailer, delivered, tries } = flakyMailer(8);
      const { queue, givenUp } = queueWith(mailer, { maxRetryDelayMs: 2 });
      await queue.enqueue(mail('a@x.io'), 'a');
      await waitFor(() => delivered.length === 1);
      expect(tries.get('a@x.io')).toBe(9);
      expect(givenUp).toEqual([]);
    });

    /** A queue whose message of 'invitation 1' to `to` failed once and waits a minute for its retry. */
    async function waitingForRetry(to: string) {
      const { mailer, delivered, tries } = flakyMailer({ [to]: 1 });
      const superseded: string[] = [];
      const { queue, givenUp } = queueWith(mailer, {
        firstRetryDelayMs: 60_000,
        onSuperseded: (label) => superseded.push(label),
      });
      await queue.enqueue(mail(to), 'invitation 1');
      await waitFor(() => tries.get(to) === 1);
      return { queue, delivered, superseded, givenUp };
    }

    /** A queue of one delivery at a time, held by a message to first@x.io until `release`. */
    async function slotHeld() {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const delivered: string[] = [];
      const mailer: Mailer = {
        send: async (m) => {
          if (m.to === 'first@x.io') await gate;
          delivered.push(m.to);
        },
        close: () => undefined,
      };
      const superseded: string[] = [];
      const { queue } = queueWith(mailer, {
        concurrency: 1,
        onSuperseded: (label) => superseded.push(label),
      });
      await queue.enqueue(mail('first@x.io'), 'other');
      return { queue, delivered, superseded, release };
    }

    it('drops a message waiting for a retry when a newer one of its label comes, which would follow it', async () => {
      const { queue, delivered, superseded, givenUp } = await waitingForRetry('old@x.io');
      await queue.enqueue(mail('new@x.io'), 'invitation 1');
      await waitFor(() => delivered.length === 1);
      expect(superseded).toEqual(['invitation 1']);
      expect(queue.size()).toBe(0);
      await queue.close();
      expect(delivered).toEqual(['new@x.io']);
      expect(givenUp).toEqual([]);
    });

    it('drops a queued message when a newer one of its label comes, so the newer arrives alone', async () => {
      const { queue, delivered, superseded, release } = await slotHeld();
      await queue.enqueue(mail('old@x.io'), 'invitation 1');
      await queue.enqueue(mail('new@x.io'), 'invitation 1');
      release();
      await waitFor(() => delivered.length === 2);
      await queue.close();
      expect(delivered).toEqual(['first@x.io', 'new@x.io']);
      expect(superseded).toEqual(['invitation 1']);
    });

    it('gives the message up once it has failed for as long as it is retried', async () => {
      const { mailer, tries } = flakyMailer(Infinity);
      const { queue, givenUp } = queueWith(mailer, { maxRetryDelayMs: 2, retryForMs: 30 });
      await queue.enqueue(mail('a@x.io'), 'a');
      await waitFor(() => givenUp.length === 1);
      expect(tries.get('a@x.io')).toBeGreaterThan(1);
    });

    it('gives the message up at once when the server refused it for good', async () => {
      let tries = 0;
      const refusing: Mailer = {
        send: async () => {
          tries += 1;
          throw Object.assign(new Error('550 mailbox unknown'), { name: REFUSED_FOR_GOOD });
        },
        close: () => undefined,
      };
      const { queue, givenUp } = queueWith(refusing);
      await queue.enqueue(mail('a@x.io'), 'invitation 1');
      await waitFor(() => givenUp.length === 1);
      expect(tries).toBe(1);
    });

    it('gives the message up after its last attempt, naming it by its label', async () => {
      const { mailer, delivered, tries } = flakyMailer(Infinity);
      const { queue, givenUp } = queueWith(mailer, { attempts: 3 });
      await queue.enqueue(mail('a@x.io'), 'invitation 1');
      await waitFor(() => givenUp.length === 1);
      expect(givenUp).toEqual(['invitation 1']);
      expect(tries.get('a@x.io')).toBe(3);
      expect(delivered).toEqual([]);
    });
  });

  describe('when its command’s stream may stop wanting it', () => {
    const proof = { stream: 'invitation-1', tokenHash: 'h1' };

    /** A queue asking `answers` in turn whether a message is wanted (the last answer stays). */
    function checkedQueue(answers: Array<boolean | Error | Promise<boolean>>, failures = 0) {
      const { mailer, delivered, tries } = flakyMailer(failures);
      const superseded: string[] = [];
      const unwanted: string[] = [];
      const retried: string[] = [];
      const uncheckedSent: string[] = [];
      const asked: unknown[] = [];
      const { queue, givenUp } = queueWith(mailer, {
        onSuperseded: (label) => superseded.push(label),
        onUnwanted: (label) => unwanted.push(label),
        onRetry: (label) => retried.push(label),
        onWantedCheckFailure: (label) => uncheckedSent.push(label),
        stillWanted: async (p) => {
          asked.push(p);
          const answer = answers.length > 1 ? answers.shift()! : answers[0];
          if (answer instanceof Error) throw answer;
          return answer;
        },
      });
      const send = async (to: string) =>
        (await queue.intend(mail(to), 'invitation 1', proof)).send();
      const seen = { superseded, unwanted, retried, uncheckedSent, asked };
      return { queue, send, delivered, tries, givenUp, ...seen };
    }

    it('drops one no longer wanted before its attempt, told apart from one superseded', async () => {
      const q = checkedQueue([false]);
      await q.send('gone@x.io');
      await waitFor(() => q.unwanted.length === 1);
      expect(q.superseded).toEqual([]);
      await q.queue.close();
      expect(q.asked).toEqual([proof]);
      expect(q.tries.size).toBe(0);
      expect(q.delivered).toEqual([]);
      expect(q.givenUp).toEqual([]);
    });

    it('asks again before each retry, dropping one the stream stopped wanting meanwhile', async () => {
      const q = checkedQueue([true, false], 1);
      await q.send('gone@x.io');
      await waitFor(() => q.unwanted.length === 1);
      expect(q.tries.get('gone@x.io')).toBe(1);
      expect(q.delivered).toEqual([]);
      expect(q.asked).toHaveLength(2);
      await q.queue.close();
    });

    it('sends it when the stream cannot be read, saying so, without counting an attempt', async () => {
      const q = checkedQueue([new Error('event store unavailable')]);
      await q.send('a@x.io');
      await waitFor(() => q.delivered.length === 1);
      expect(q.uncheckedSent).toEqual(['invitation 1']);
      expect(q.retried).toEqual([]);
      expect(q.unwanted).toEqual([]);
      await q.queue.close();
    });

    it('drops one a newer message of its label replaced while it was being checked', async () => {
      let answer!: (wanted: boolean) => void;
      const q = checkedQueue([new Promise<boolean>((resolve) => (answer = resolve))]);
      await q.send('old@x.io');
      await waitFor(() => q.asked.length === 1);
      await q.queue.enqueue(mail('new@x.io'), 'invitation 1');
      answer(true);
      await waitFor(() => q.delivered.length === 1);
      await q.queue.close();
      expect(q.delivered).toEqual(['new@x.io']);
      expect(q.superseded).toEqual(['invitation 1']);
      expect(q.unwanted).toEqual([]);
    });

    it('sends one enqueued without a proof unasked', async () => {
      const q = checkedQueue([false]);
      await q.queue.enqueue(mail('a@x.io'), 'plain');
      await waitFor(() => q.delivered.length === 1);
      expect(q.asked).toEqual([]);
      await q.queue.close();
    });
  });

  describe('when the queue is full', () => {
    it('makes enqueue wait for room', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const mailer: Mailer = { send: () => gate, close: () => undefined };
      const { queue } = queueWith(mailer, { capacity: 1 });
      await queue.enqueue(mail('a@x.io'), 'a');
      let second = false;
      const enqueued = queue.enqueue(mail('b@x.io'), 'b').then(() => (second = true));
      await new Promise((r) => setImmediate(r));
      expect(second).toBe(false);
      release();
      await enqueued;
      expect(second).toBe(true);
    });

    it('counts those waiting for room as waiting too', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const mailer: Mailer = { send: () => gate, close: () => undefined };
      const { queue } = queueWith(mailer, { capacity: 1 });
      await queue.enqueue(mail('a@x.io'), 'a');
      const enqueued = Promise.all([
        queue.enqueue(mail('b@x.io'), 'b'),
        queue.enqueue(mail('c@x.io'), 'c'),
      ]);
      expect(queue.size()).toBe(1);
      expect(await queue.waiting()).toBe(3);
      release();
      await enqueued;
      await waitFor(async () => (await queue.waiting()) === 0);
    });
  });

  describe('when it is closed', () => {
    it('tries messages waiting for a retry at once, then gives up what still fails', async () => {
      const { mailer, delivered, tries } = flakyMailer({ 'a@x.io': 1, 'b@x.io': 2 });
      const { queue, givenUp } = queueWith(mailer, { firstRetryDelayMs: 60_000 });
      await queue.enqueue(mail('a@x.io'), 'a');
      await queue.enqueue(mail('b@x.io'), 'b');
      await waitFor(() => tries.get('a@x.io') === 1 && tries.get('b@x.io') === 1);
      await queue.close();
      expect(delivered).toEqual(['a@x.io']);
      expect(givenUp).toEqual(['b']);
      expect(tries.get('b@x.io')).toBe(2);
      expect(queue.size()).toBe(0);
    });

    it('gives up what it could not deliver in time, and tells of deliveries cut short', async () => {
      const mailer: Mailer = { send: () => new Promise(() => undefined), close: () => undefined };
      const cutShort: number[] = [];
      const { queue, givenUp } = queueWith(mailer, {
        concurrency: 1,
        closeTimeoutMs: 10,
        onCutShort: (n) => cutShort.push(n),
      });
      await queue.enqueue(mail('a@x.io'), 'a');
      await queue.enqueue(mail('b@x.io'), 'b');
      await queue.close();
      expect(givenUp).toEqual(['b']);
      expect(cutShort).toEqual([1]);
    });
  });

  describe('when the spool cannot take a message', () => {
    it('still delivers it, and says it is held in memory only', async () => {
      const { mailer, delivered } = flakyMailer();
      const unspooled: string[] = [];
      const { queue } = queueWith(mailer, {
        spool: {
          save: () => Promise.reject(new Error('disk full')),
          remove: async () => undefined,
          pending: async () => [],
          close: async () => undefined,
        },
        onSpoolFailure: (label) => unspooled.push(label),
      });
      await queue.enqueue(mail('a@x.io'), 'a');
      await waitFor(() => delivered.length === 1);
      expect(unspooled).toEqual(['a']);
    });
  });

  describe('when the spool cannot be read as the service starts', () => {
    it('reads it again on a timer, says so, and delivers what an earlier run left', async () => {
      const { mailer, delivered } = flakyMailer();
      const failures: number[] = [];
      let reads = 0;
      const { queue } = queueWith(mailer, {
        spool: {
          save: async () => 1,
          remove: async () => undefined,
          pending: async (afterId = 0) => {
            reads += 1;
            if (reads === 1) throw new Error('mail-spool thread exited (1)');
            return afterId < 7 ? [{ id: 7, label: 'old', message: mail('old@x.io') }] : [];
          },
          close: async () => undefined,
        },
        onSpoolReadFailure: (_error, retryInMs) => failures.push(retryInMs),
      });
      expect(await queue.resume()).toBe(0);
      expect(failures).toEqual([1000]);
      await waitFor(() => delivered.length === 1, {
        message: 'the old message, with nothing sent',
      });
      expect(delivered).toEqual(['old@x.io']);
      await queue.close();
    });
  });
});
