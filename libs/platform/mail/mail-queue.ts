import { backoffMs, type Backoff } from '../retry/backoff';
import type { Mailer, MailMessage } from './mailer';
import type { MailProof } from './mail-spool';
import { isRefusedForGood } from './refused-for-good';
import { intendedMails } from './intended-mails';
import { SpoolKeys } from './spool-keys';
import { spoolRemovals } from './spool-removals';
import type { MailQueue, MailQueueOptions } from './mail-queue.port';

export type { MailQueue, MailQueueOptions };

/** Waits between reads of a spool that failed: doubling from 1 s to at most 30 s. */
const SPOOL_READ_RETRY: Backoff = { firstMs: 1_000, maxMs: 30_000 };

interface Job {
  message: MailMessage;
  label: string;
  attempt: number;
  /** Where the spool keeps it, when it does. */
  spoolId?: number;
  /** The key of a save that went unanswered: the row may be on disk all the same. */
  spoolKey?: string;
  /** The written-down mail its save was to remove: removed once it is sent, if not saved. */
  settles?: string;
  /** When its first attempt failed (ms since the epoch). */
  failingSince?: number;
  /** A newer message of its label came: it is dropped rather than sent or retried. */
  superseded?: boolean;
  /** What its command recorded: each attempt first asks `stillWanted`. */
  proof?: MailProof;
}

/**
 * Delivers mail after the caller has moved on, retrying with exponential
 * backoff. With a spool, `enqueue` resolves once the message is on disk, and a
 * message still undelivered at shutdown (or at a crash) is delivered by the
 * next run; without one, a crash loses the messages not delivered.
 */
export function createMailQueue(mailer: Mailer, options: MailQueueOptions): MailQueue {
  const attempts = options.attempts ?? Infinity;
  const retry = {
    firstMs: options.firstRetryDelayMs ?? 1_000,
    maxMs: options.maxRetryDelayMs ?? 300_000,
  };
  const retryForMs = options.retryForMs ?? 24 * 3_600_000;
  const concurrency = options.concurrency ?? 16;
  const capacity = options.capacity ?? 10_000;
  const ready: Job[] = [];
  const backingOff = new Map<Job, NodeJS.Timeout>();
  /** The newest message of each label not yet delivered or given up: a newer one replaces it. */
  const latest = new Map<string, Job>();
  let running = 0;
  let closing = false;
  let waiters: Array<() => void> = [];
  const spool = options.spool;
  /** Spooled messages are taken into memory in id order: every id up to here has been. */
  let loadedThrough = 0;
  /** Some spooled messages wait on disk only; `overflows` counts those spooled since a refill began. */
  let backlog = false;
  let overflows = 0;
  let refilling = false;
  let readFailures = 0;
  let readRetry: NodeJS.Timeout | undefined;
  /** Messages the spool did not keep, waiting for room in memory. */
  let holding = 0;
  const keys = new SpoolKeys<Job>();
  const removals = spool && spoolRemovals(spool, options.onSpoolRemoveFailure ?? (() => undefined));

  const size = () => ready.length + backingOff.size + running;
  const wake = () => {
    const woken = waiters;
    waiters = [];
    woken.forEach((w) => w());
  };
  const pump = () => {
    while (running < concurrency && ready.length) {
      const job = ready.shift()!;
      if (job.superseded) {
        drop(job);
        continue;
      }
      running += 1;
      void deliver(job).finally(() => {
        running -= 1;
        pump();
        wake();
        if (backlog && !refilling && !closing) void refill();
      });
    }
  };

  /**
   * Queues `job`, the newest of its label: an older one not delivered yet is dropped (a resent
   * invitation's email replaces the first, which could arrive after it, its link answering
   * "superseded"): at once while it waits for a retry, else when its turn comes or instead of
   * a retry (one being delivered may still arrive, before the newer one).
   */
  const admit = (job: Job) => {
    const older = latest.get(job.label);
    latest.set(job.label, job);
    ready.push(job);
    if (older) retire(older);
  };
  const retire = (job: Job) => {
    job.superseded = true;
    const timer = backingOff.get(job);
    if (timer === undefined) return;
    clearTimeout(timer);
    backingOff.delete(job);
    drop(job);
  };
  const drop = (job: Job, why: 'superseded' | 'unwanted' = 'superseded') => {
    unspool(job);
    if (why === 'unwanted') options.onUnwanted?.(job.label);
    else options.onSuperseded?.(job.label);
  };
  /** Delivered or given up: the label's newest is no more. */
  const finished = (job: Job) => {
    if (latest.get(job.label) === job) latest.delete(job.label);
  };

  const take = (id: number, message: MailMessage, label: string, proof?: MailProof) => {
    loadedThrough = Math.max(loadedThrough, id);
    admit({ message, label, attempt: 0, spoolId: id, proof });
  };

  /** Takes spooled messages into memory, oldest first, as far as there is room; how many. */
  async function refill(): Promise<number> {
    refilling = true;
    let taken = 0;
    try {
      while (backlog && !closing && size() < capacity) {
        const since = overflows;
        const room = capacity - size();
        const next = await spool!.pending(loadedThrough, room);
        if (closing) break; // read as the queue closed: left on disk for the next run
        for (const { id, message, label, key, proof } of next) {
          const found = keys.found(key, id);
          if (found === 'take') take(id, message, label, proof);
          else loadedThrough = Math.max(loadedThrough, id);
          if (found === 'remove') removals?.remove({ id });
        }
        taken += next.length;
        pump();
        // Short of room and nothing spooled meanwhile: the disk holds no more.
        if (next.length < room && overflows === since) backlog = false;
      }
      readFailures = 0;
    } catch (error) {
      // Read again on a timer: on a quiet service no delivery or send would come to do it.
      const wait = backoffMs(SPOOL_READ_RETRY, readFailures++);
      options.onSpoolReadFailure?.(error, wait);
      clearTimeout(readRetry);
      readRetry = setTimeout(() => {
        if (backlog && !refilling && !closing) void refill();
      }, wait).unref();
    } finally {
      refilling = false;
    }
    return taken;
  }

  const unspool = ({ spoolId, spoolKey, settles }: Job) => {
    if (spoolKey !== undefined) keys.done(spoolKey);
    if (spoolId !== undefined) removals?.remove({ id: spoolId });
    else if (spoolKey !== undefined) removals?.remove({ key: spoolKey });
    // Sent or given up from memory: what was written down must not send it again at the next start.
    if (spoolId === undefined && settles !== undefined) {
      void options.intents?.store.dropIntent(settles).catch(() => undefined);
    }
  };

  /**
   * Not given up at close: a message on disk, or one written down before its command (whose
   * save failed), is sent by the next run. Dropping the written-down copy lost the email.
   */
  const leftForNextRun = (job: Job) => job.spoolId !== undefined || job.settles !== undefined;

  async function deliver(job: Job): Promise<void> {
    try {
      // Asked at each attempt, of the event store every replica writes to: a cancel, a resend or
      // an expiry recorded anywhere stops the email, however long it has waited. An email sent
      // after that named the vendor to someone the invitation no longer concerned, or carried a
      // link that answers 410.
      const unsent = await notToSend(job);
      if (unsent) {
        finished(job);
        return drop(job, unsent);
      }
      await mailer.send(job.message);
      unspool(job);
      finished(job);
      options.onDelivered?.(job.label);
    } catch (error) {
      job.attempt += 1;
      job.failingSince ??= Date.now();
      if (job.superseded) return drop(job);
      if (closing && leftForNextRun(job)) return;
      const hopeless =
        isRefusedForGood(error) ||
        job.attempt >= attempts ||
        Date.now() - job.failingSince >= retryForMs;
      if (closing || hopeless) {
        unspool(job);
        finished(job);
        return options.onGiveUp(job.label, error);
      }
      options.onRetry?.(job.label, job.attempt, error);
      const timer = setTimeout(
        () => {
          backingOff.delete(job);
          ready.push(job);
          pump();
        },
        backoffMs(retry, job.attempt - 1),
      );
      // Retries matter while the service runs; close() hurries them, so they need not hold the process.
      timer.unref();
      backingOff.set(job, timer);
    }
  }

  /**
   * Why `job` is not to be sent now, if it is not: its stream no longer wants it, or a newer one
   * of its label came meanwhile. A check that fails sends it, as before there were checks: the
   * event store down must not hold emails back, nor count against their retries.
   */
  async function notToSend(job: Job): Promise<'superseded' | 'unwanted' | undefined> {
    if (job.superseded) return 'superseded'; // known here: no read needed
    if (job.proof && options.stillWanted) {
      const wanted = await options.stillWanted(job.proof).catch((error: unknown) => {
        // Closing, the store may be closed already: the next start checks and sends it, once.
        if (closing && leftForNextRun(job)) throw error;
        options.onWantedCheckFailure?.(job.label, error);
        return true;
      });
      if (!wanted) return 'unwanted';
    }
    return job.superseded ? 'superseded' : undefined;
  }

  /** Holds a message the spool does not keep, once there is room. */
  async function holdInMemory(job: Job): Promise<void> {
    holding += 1;
    await until(() => closing || size() < capacity);
    holding -= 1;
    admit(job);
    pump();
  }

  const until = (condition: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (condition() ? resolve() : waiters.push(check));
      check();
    });

  async function enqueue(
    message: MailMessage,
    label: string,
    settles?: string,
    proof?: MailProof,
  ): Promise<void> {
    if (spool) {
      // Tried twice: a spool thread that died after its commit is started again, and the
      // key finds the row it wrote rather than leaving a copy that a later run sends again.
      const key = keys.next();
      let id: number;
      try {
        id = await spool
          .save(message, label, key, settles, proof)
          .catch(() => spool.save(message, label, key, settles, proof));
      } catch (error) {
        if (keys.answered(key)) return; // the first try was committed, and a refill took it in
        options.onSpoolFailure?.(label, error); // still sent, unless the process dies first
        const job: Job = { message, label, attempt: 0, spoolKey: key, settles, proof };
        keys.holdUnsaved(key, job);
        return holdInMemory(job);
      }
      if (keys.answered(key)) return; // a refill read it first and took it in
      if (backlog || size() >= capacity) {
        backlog = true; // on disk: taken in when there is room
        overflows += 1;
        if (!refilling && size() < capacity) void refill();
      } else take(id, message, label, proof);
      pump();
      return;
    }
    return holdInMemory({ message, label, attempt: 0, proof });
  }

  /** Saves started for mails written down (`send`, `settle`): close waits for them. */
  const inFlight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    inFlight.add(work);
    const done = () => void inFlight.delete(work);
    work.then(done, done);
  };

  const intended = intendedMails({
    intents: options.intents,
    enqueue,
    track,
    closing: () => closing,
    onWriteFailure: options.onIntentWriteFailure,
    onCheckFailure: options.onIntentCheckFailure,
  });

  return {
    enqueue: (message, label) => enqueue(message, label),
    intend: (message, label, proof) => intended.intend(message, label, proof),
    size,
    async waiting() {
      // Rows past those taken in wait on disk only; none do unless the spool ran over.
      const onDiskOnly = backlog && spool?.count ? await spool.count(loadedThrough) : 0;
      return size() + holding + onDiskOnly;
    },
    async resume() {
      // The spool's rows first: they were taken in id order, and intents queued now get higher ids.
      let resumed = 0;
      if (spool) {
        backlog = true;
        resumed = await refill();
      }
      return resumed + (await intended.resume());
    },
    async close() {
      closing = true;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.closeTimeoutMs ?? 10_000);
      });
      // A request answered just before has its save in flight: its message joins those delivered
      // now, rather than being sent after close and again by the next start.
      await Promise.race([Promise.allSettled([...inFlight]), timedOut]);
      clearTimeout(readRetry);
      for (const [job, timer] of backingOff) {
        clearTimeout(timer);
        ready.push(job);
      }
      backingOff.clear();
      pump();
      const outcome = await Promise.race([until(() => size() === 0), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        for (const job of ready.splice(0)) {
          if (job.superseded) {
            drop(job);
            continue;
          }
          if (leftForNextRun(job)) continue;
          unspool(job);
          options.onGiveUp(job.label, new Error('not delivered before shutdown'));
        }
      }
      if (running > 0) options.onCutShort?.(running);
      await removals?.flush();
      await spool?.close();
    },
  };
}
