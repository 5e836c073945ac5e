import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, type Random } from '../../testing/seeded-random';
import { waitFor } from '../../testing/wait-for';
import { createMailQueue, type MailQueue } from './mail-queue';
import { sqliteMailSpool } from './mail-spool';
import { crashableProcess } from './testing/mail-chaos-faults';
import {
  checkCloseTimes,
  checkDeliveryReports,
  checkOffersAndReads,
  checkRepeats,
  checkSettled,
  checkSpoolOrder,
  createMailChaosRecord,
  endRun,
  recordOutcome,
  rowsLeftInSpool,
  type Mail,
  type Run,
  type Save,
  type Send,
} from './testing/mail-chaos-invariants';

/**
 * `MAIL_CHAOS_SEED=<n>` plays another history; a failure names its seed. The seed fixes
 * the plan (messages, their fates, where runs end); the threads' timing varies around it.
 */
const SEED = Number(process.env.MAIL_CHAOS_SEED ?? 1);
/** Runs over one spool file; the last one ends with a clean shutdown once all is done. */
const RUNS = 6;

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
  const save: Save =
    y < 0.84
      ? 'ok'
      : y < 0.9
        ? 'first fails'
        : y < 0.94
          ? 'both fail'
          : y < 0.97
            ? 'dies'
            : 'dies, then fails';
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

  const record = createMailChaosRecord();
  const { mails, promised, outcomes, lost, rowOf, removed, problems } = record;
  const runs: Run[] = [];
  let dir: string;
  let path: string;

  async function play(run: Run, final: boolean) {
    const service = crashableProcess(sqliteMailSpool(path), run, record, () =>
      endRun(record, run, false),
    );
    // Nothing a dead process does is seen.
    const live = (f: () => void) => void (run.alive && f());
    const queue: MailQueue = createMailQueue(service.mailer, {
      spool: service.spool,
      capacity,
      concurrency,
      attempts,
      firstRetryDelayMs,
      closeTimeoutMs: run.closeTimeoutMs,
      onGiveUp: (label) =>
        live(() => {
          if (!mails.has(label)) problems.intact.push(`run ${run.n}: gave up unknown "${label}"`);
          recordOutcome(record, run, label, 'given up');
        }),
      onDelivered: (label) => live(() => run.reported.push(label)),
      onSpoolFailure: (label) => live(() => record.notSpooled.add(label)),
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
        record.byAddress.set(mail.message.to, mail);
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
        if (run.alive) service.die();
        return;
      }
      const started = Date.now();
      await queue.close();
      run.closeMs = Date.now() - started;
      run.alive = false;
      endRun(record, run, run.closeMs >= run.closeTimeoutMs);
    };
    await Promise.race([body(), service.death]);
    if (run.end === 'crash') await service.closeSpoolFile();
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
      problems.left.push(...rowsLeftInSpool(path));
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
      holds(checkSettled(record));
    });

    it('sends a message again only when a run ended between its delivery and its removal', () => {
      holds(checkRepeats(record));
    });

    it('tells each delivery by the label of the message sent', () => {
      holds(checkDeliveryReports(runs));
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
      holds(checkSpoolOrder(runs));
    });
  });

  describe('when sends fail, hang or take their time', () => {
    it('offers a message at most its attempts in a run and reads the spool a bounded number of times', () => {
      holds(checkOffersAndReads(runs, attempts));
    });

    it('closes within its timeout', () => {
      holds(checkCloseTimes(runs));
    });
  });
});
