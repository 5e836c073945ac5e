import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, type Random } from '../../testing/seeded-random';
import { waitFor } from '../../testing/wait-for';
import { createMailQueue, type MailQueue } from './mail-queue';
import { sqliteMailSpool, type MailSpool } from './mail-spool';
import type { Mailer, MailMessage } from './mailer';

/**
 * `MAIL_CHAOS_SEED=<n>` plays another history; a failure names its seed. The seed fixes
 * the plan (messages, their fates, where runs end); the threads' timing varies around it.
 */
const SEED = Number(process.env.MAIL_CHAOS_SEED ?? 1);
/** Runs over one spool file; the last one ends with a clean shutdown once all is done. */
const RUNS = 6;

/** How the mail server treats a message, every time it is offered. */
type Send =
  | { kind: 'ok' }
  | { kind: 'flaky'; failures: number }
  | { kind: 'broken' }
  | { kind: 'slow'; ms: number };
/**
 * How the spool takes its save: `first fails` fails the first try before its commit,
 * `both fail` both tries (held in memory only), `dies` commits the first try and then the
 * spool's thread dies, failing every call it held.
 */
type Save = 'ok' | 'first fails' | 'both fail' | 'dies';

interface Mail {
  label: string;
  message: MailMessage;
  send: Send;
  save: Save;
  /** Offers to the mail server, across runs. */
  offers: number;
}

interface Run {
  n: number;
  end: 'crash' | 'close';
  alive: boolean;
  /** Mailer and spool calls so far; a crash run dies at call `crashAt`. */
  events: number;
  crashAt: number;
  enqueued: number;
  reads: number;
  sends: number;
  triesOf: Map<string, number>;
  /** Spool ids of the messages offered for the first time in this run, in offer order. */
  firstIds: number[];
  inFlight: Set<string>;
  sent: string[];
  reported: string[];
  closeTimeoutMs: number;
  closeMs?: number;
}

const never = () => new Promise<never>(() => undefined);

function planMail(r: Random, n: number, attempts: number): Mail {
  const x = r.next();
  const send: Send =
    x < 0.5
      ? { kind: 'ok' }
      : x < 0.72
        ? { kind: 'flaky', failures: 1 + r.int(attempts + 1) }
        : x < 0.82
          ? { kind: 'broken' }
          : { kind: 'slow', ms: 5 + r.int(40) };
  const y = r.next();
  const save: Save = y < 0.84 ? 'ok' : y < 0.9 ? 'first fails' : y < 0.94 ? 'both fail' : 'dies';
  const token = `${SEED}x${n}`.padEnd(43, 'Zz_-');
  return {
    label: `invitation ${n}`,
    // Quotes, a backslash, line breaks and non-ASCII: what JSON and SQLite must carry back intact.
    message: {
      to: `c${n}@x.io`,
      subject: `Einladung „${n}“ — ✓`,
      text: `Hello "${n}",\n\\ accept: https://x.io/invitations/${n}/accept?token=${token}\r\n${'é'.repeat(n % 4)}`,
    },
    send,
    save,
    offers: 0,
  };
}

describe('mail queue over its SQLite spool, through crashes, shutdowns and failing saves', () => {
  const r = seededRandom(SEED);
  const capacity = 2 + r.int(4);
  const concurrency = 1 + r.int(3);
  const attempts = 2 + r.int(3);
  const firstRetryDelayMs = 2 + r.int(8);

  const mails = new Map<string, Mail>(); // by label
  const byAddress = new Map<string, Mail>();
  const runs: Run[] = [];
  /** Labels whose enqueue resolved while their run was alive. */
  const promised = new Set<string>();
  const notSpooled = new Set<string>();
  /** Held in memory only and gone with their run: allowed, and so not owed. */
  const lost = new Set<string>();
  const outcomes = new Map<string, string[]>();
  /** Why a label may have more than one outcome: its run ended between an outcome and its removal. */
  const repeatable = new Map<string, string[]>();
  /** What the spool file holds, as its thread answered (answers lost to a death included). */
  const rowOf = new Map<string, number>();
  const removed = new Set<number>();
  const problems = {
    owed: [] as string[],
    repeats: [] as string[],
    intact: [] as string[],
    left: [] as string[],
  };
  let dir: string;
  let path: string;

  const outcome = (run: Run, label: string, what: 'delivered' | 'given up') =>
    outcomes.set(label, [...(outcomes.get(label) ?? []), `${what} in run ${run.n}`]);

  /**
   * The real spool behind a door the test controls: saves fail as planned, the thread
   * "dies" after a commit (every call it held fails, and the next calls wait until it is
   * gone, as a restarted thread would), and at a crash every answer and later call is lost
   * while what the thread already holds is committed, as if the process had died just then.
   */
  function chaosSpool(inner: MailSpool, run: Run, event: () => void) {
    let crashed = false;
    let closed = false;
    let restarted: Promise<unknown> = Promise.resolve();
    const outstanding = new Map<(error: Error) => void, { retry: boolean }>();
    const forwarded = new Set<Promise<unknown>>();
    const tried = new Set<string>();
    let innerClosed: Promise<void> | undefined;
    const closeInner = () => (innerClosed ??= inner.close());

    const die = () => {
      const error = new Error('mail-spool thread exited (1)');
      for (const fail of [...outstanding.keys()]) fail(error);
      restarted = Promise.allSettled([...forwarded]);
    };

    function call<T>(
      forward: () => Promise<T>,
      opts: { fail?: boolean; dies?: boolean; retry?: boolean; seen?: (value: T) => void } = {},
    ): Promise<T> {
      event();
      if (crashed || closed) return never();
      return new Promise<T>((resolve, reject) => {
        const fail = (error: Error) => {
          outstanding.delete(fail);
          reject(error);
        };
        outstanding.set(fail, { retry: opts.retry ?? false });
        void restarted.then(() => {
          if (crashed || !outstanding.has(fail)) return;
          if (opts.fail) return fail(new Error('SQLITE_FULL: database or disk is full'));
          const p = forward();
          forwarded.add(p);
          p.then(
            (value) => {
              forwarded.delete(p);
              opts.seen?.(value);
              if (crashed || !outstanding.has(fail)) return;
              // A thread dies at most once at a time: never while a retry is out.
              const retrying = [...outstanding.values()].some((o) => o.retry);
              if (opts.dies && !retrying) return die();
              outstanding.delete(fail);
              resolve(value);
            },
            (error: Error) => {
              forwarded.delete(p);
              if (!crashed && outstanding.has(fail)) fail(error);
            },
          );
        });
      });
    }

    const spool: MailSpool = {
      save(message, label, key) {
        const retry = tried.has(key);
        tried.add(key);
        const save = mails.get(label)!.save;
        return call(() => inner.save(message, label, key), {
          retry,
          fail: save === 'both fail' || (save === 'first fails' && !retry),
          dies: save === 'dies' && !retry,
          seen: (id) => rowOf.set(label, id),
        });
      },
      remove(id) {
        // Handed to the thread, a removal is committed: the thread finishes what it holds.
        return call(() => {
          removed.add(id);
          return inner.remove(id);
        });
      },
      pending(afterId, limit) {
        run.reads += 1;
        return call(() => inner.pending(afterId, limit), {
          seen: (rows) => {
            for (const row of rows) {
              rowOf.set(row.label, row.id);
              const mail = mails.get(row.label);
              if (!mail || JSON.stringify(mail.message) !== JSON.stringify(row.message))
                problems.intact.push(
                  `run ${run.n}: row ${row.id} came back as ${JSON.stringify(row)}`,
                );
            }
          },
        });
      },
      async close() {
        closed = true; // the process exits once the queue has closed: later calls are lost
        await restarted;
        await closeInner();
      },
    };
    return {
      spool,
      crash: () => void (crashed = true),
      /** Closes the file once, whether the queue or the crash gets there first. */
      closeInner,
    };
  }

  function chaosMailer(run: Run, event: () => void): Mailer {
    return {
      async send(message) {
        event();
        if (!run.alive) return never();
        const mail = byAddress.get(message.to);
        if (!mail || JSON.stringify(mail.message) !== JSON.stringify(message)) {
          problems.intact.push(`run ${run.n}: sent ${JSON.stringify(message)}`);
          return;
        }
        const { label } = mail;
        run.sends += 1;
        const tries = (run.triesOf.get(label) ?? 0) + 1;
        run.triesOf.set(label, tries);
        const id = rowOf.get(label);
        if (tries === 1 && id !== undefined && !notSpooled.has(label)) run.firstIds.push(id);
        run.inFlight.add(label);
        const { send } = mail;
        if (send.kind === 'slow') await new Promise((done) => setTimeout(done, send.ms));
        if (!run.alive) return never(); // the process died while the server took its time
        run.inFlight.delete(label);
        mail.offers += 1;
        if (send.kind === 'broken' || (send.kind === 'flaky' && mail.offers <= send.failures))
          throw new Error(`451 try again later (${label})`);
        run.sent.push(label);
        outcome(run, label, 'delivered');
      },
      close: () => undefined,
    };
  }

  /** What a run's end leaves owed or repeatable. */
  function endRun(run: Run, timedOut: boolean) {
    for (const [label, seen] of outcomes) {
      if (!seen.some((s) => s.endsWith(`in run ${run.n}`))) continue;
      const id = rowOf.get(label);
      if (id === undefined || removed.has(id) || notSpooled.has(label)) continue;
      if (run.end === 'close' && !timedOut)
        problems.repeats.push(`run ${run.n}: ${label} was left in the spool by a shutdown in time`);
      repeatable.set(label, [...(repeatable.get(label) ?? []), `run ${run.n} ended (${run.end})`]);
    }
    for (const label of notSpooled) {
      if (outcomes.has(label) || lost.has(label) || !promised.has(label)) continue;
      if (run.end === 'crash' || run.inFlight.has(label)) lost.add(label);
      else
        problems.owed.push(`run ${run.n}: ${label}, held in memory only, was dropped at shutdown`);
    }
  }

  async function play(run: Run, final: boolean) {
    let crashed!: () => void;
    const crash = new Promise<void>((resolve) => (crashed = resolve));
    const inner = sqliteMailSpool(path);
    const die = () => {
      run.alive = false;
      chaos.crash();
      endRun(run, false);
      crashed();
    };
    const event = () => {
      run.events += 1;
      if (run.alive && run.events === run.crashAt) die();
    };
    const chaos = chaosSpool(inner, run, event);
    // Nothing a dead process does is seen.
    const live = (f: () => void) => void (run.alive && f());
    const queue: MailQueue = createMailQueue(chaosMailer(run, event), {
      spool: chaos.spool,
      capacity,
      concurrency,
      attempts,
      firstRetryDelayMs,
      closeTimeoutMs: run.closeTimeoutMs,
      onGiveUp: (label) =>
        live(() => {
          if (!mails.has(label)) problems.intact.push(`run ${run.n}: gave up unknown "${label}"`);
          outcome(run, label, 'given up');
        }),
      onDelivered: (label) => live(() => run.reported.push(label)),
      onSpoolFailure: (label) => live(() => notSpooled.add(label)),
    });

    const enqueue = async (mail: Mail) => {
      run.enqueued += 1;
      await queue.enqueue(mail.message, mail.label);
      live(() => promised.add(mail.label));
    };
    const bursts = final ? 1 : 1 + r.int(3);
    const plan = Array.from({ length: bursts }, () =>
      Array.from({ length: 1 + r.int(8) }, () => {
        const mail = planMail(r, mails.size + 1, attempts);
        mails.set(mail.label, mail);
        byAddress.set(mail.message.to, mail);
        return mail;
      }),
    );
    const pauses = plan.map(() => r.int(3));
    // About four spool and mailer calls a message: a crash falls anywhere in the run, or after it.
    if (run.end === 'crash') run.crashAt = 1 + r.int(4 * plan.flat().length + 4);
    const killedWhileClosing = r.next() < 0.3;

    const body = async () => {
      await queue.resume();
      for (const [b, burst] of plan.entries()) {
        await Promise.all(burst.map(enqueue));
        // Sometimes the next burst comes while the queue still works through this one.
        if (pauses[b] === 1)
          await waitFor(() => !run.alive || queue.size() < capacity, { timeoutMs: 3_000 });
        if (pauses[b] === 2)
          await waitFor(() => !run.alive || queue.size() === 0, { timeoutMs: 3_000 });
      }
      if (final) {
        await waitFor(
          () =>
            [...promised].every((l) => outcomes.has(l) || lost.has(l)) &&
            queue.size() === 0 &&
            [...rowOf.values()].every((id) => removed.has(id)),
          { timeoutMs: 6_000, message: 'every message delivered or given up' },
        ).catch((error: Error) => problems.owed.push(`run ${run.n}: ${error.message}`));
      }
      if (run.end === 'crash') {
        if (killedWhileClosing) void queue.close();
        await waitFor(() => !run.alive || queue.size() === 0, { timeoutMs: 3_000 });
        if (run.alive) die();
        return;
      }
      const started = Date.now();
      await queue.close();
      run.closeMs = Date.now() - started;
      run.alive = false;
      endRun(run, run.closeMs >= run.closeTimeoutMs);
    };
    await Promise.race([body(), crash]);
    // The crashed process's file is closed by the OS: what its thread held is committed.
    if (run.end === 'crash') await chaos.closeInner();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mail-chaos-'));
    path = join(dir, 'mail-spool.sqlite');
    try {
      for (let n = 1; n <= RUNS; n += 1) {
        const final = n === RUNS;
        const run: Run = {
          n,
          end: !final && r.next() < 0.5 ? 'crash' : 'close',
          alive: true,
          events: 0,
          crashAt: 0,
          enqueued: 0,
          reads: 0,
          sends: 0,
          triesOf: new Map(),
          firstIds: [],
          inFlight: new Set(),
          sent: [],
          reported: [],
          closeTimeoutMs: final ? 5_000 : 10 + r.int(50),
        };
        runs.push(run);
        await play(run, final);
      }
      const db = new Database(path, { readonly: true });
      const rows = db.prepare('SELECT id, label FROM mail_spool').all();
      db.close();
      problems.left.push(...rows.map((row) => `left in the spool: ${JSON.stringify(row)}`));
    } catch (error) {
      throw new Error(`MAIL_CHAOS_SEED=${SEED}: ${(error as Error).message}`);
    }
  }, 20_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const holds = (violations: string[]) => {
    if (violations.length === 0) return;
    const setup = `capacity ${capacity}, concurrency ${concurrency}, attempts ${attempts}`;
    const story = runs.map((run) => `${run.n}:${run.end}@${run.events}`).join(' ');
    throw new Error(
      `MAIL_CHAOS_SEED=${SEED} (${setup}; runs ${story}): ${violations.length} violations\n  ` +
        violations.slice(0, 15).join('\n  '),
    );
  };

  describe('when runs end by a crash or a shutdown and the next run resumes the spool', () => {
    it('delivers or gives up every message whose enqueue resolved', () => {
      const owed = [...promised].filter((label) => !outcomes.has(label) && !lost.has(label));
      holds([...problems.owed, ...owed.map((label) => `${label}: neither delivered nor given up`)]);
    });

    it('sends a message again only when a run ended between its delivery and its removal', () => {
      const repeats = [...outcomes]
        .filter(([label, seen]) => seen.length > 1 + (repeatable.get(label)?.length ?? 0))
        .map(
          ([label, seen]) =>
            `${label}: ${seen.join(', ')}; repeatable: ${repeatable.get(label) ?? 'never'}`,
        );
      holds([...problems.repeats, ...repeats]);
    });

    it('tells each delivery by the label of the message sent', () => {
      const mismatched = runs.flatMap((run) => {
        const sent = [...run.sent].sort();
        const reported = [...run.reported].sort();
        const agree =
          run.end === 'close'
            ? JSON.stringify(sent) === JSON.stringify(reported)
            : reported.every((label) => sent.includes(label));
        return agree
          ? []
          : [`run ${run.n}: sent ${sent.join(', ')}; reported ${reported.join(', ')}`];
      });
      holds(mismatched);
    });

    it('leaves nothing in the spool after the last clean run', () => {
      holds(problems.left);
    });
  });

  describe('when messages come back from the spool', () => {
    it('keeps their labels and bodies intact', () => {
      holds(problems.intact);
    });

    it('takes them in oldest first', () => {
      const unordered = runs.flatMap((run) =>
        run.firstIds.every((id, i) => i === 0 || run.firstIds[i - 1] < id)
          ? []
          : [`run ${run.n}: first offers in spool order ${run.firstIds.join(', ')}`],
      );
      holds(unordered);
    });
  });

  describe('when sends fail, hang or take their time', () => {
    it('offers a message at most its attempts in a run and reads the spool a bounded number of times', () => {
      const hot = runs.flatMap((run) => [
        ...[...run.triesOf]
          .filter(([, tries]) => tries > attempts)
          .map(([label, tries]) => `run ${run.n}: ${label} offered ${tries} times`),
        ...(run.reads > 5 + 2 * (run.enqueued + run.sends)
          ? [
              `run ${run.n}: ${run.reads} spool reads for ${run.enqueued} enqueued, ${run.sends} sent`,
            ]
          : []),
      ]);
      holds(hot);
    });

    it('closes within its timeout', () => {
      const slow = runs
        .filter((run) => run.closeMs !== undefined && run.closeMs > run.closeTimeoutMs + 1_000)
        .map((run) => `run ${run.n}: close took ${run.closeMs} ms of ${run.closeTimeoutMs}`);
      holds(slow);
    });
  });
});
