import { randomUUID } from 'node:crypto';
import type { LeaseStore } from '../../read-store/coordination.port';
import { errorMessage } from '../errors/error-message';
import { reportActivity } from '../observability/metrics';

export interface LeasedWorkerOptions {
  /** Lease name: one active instance per name across all processes. */
  name: string;
  leases: LeaseStore;
  /** The work, run while the lease is held; must stop promptly when `signal` aborts. */
  run: (signal: AbortSignal) => Promise<void>;
  ttlMs?: number;
  owner?: string;
  onError?: (error: unknown) => void;
  /**
   * Runs in a row that fail on this instance before it gives the lease up and
   * sits out two TTLs, so another instance gets a turn (default 3). A run
   * counts when it ends in error sooner than `healthyRunMs` after it started.
   */
  maxFailedRuns?: number;
  /**
   * A run that lasted this long did some work: it ends a row of failures,
   * however it ends (default 60 s).
   */
  healthyRunMs?: number;
  /**
   * Where it says that it gave the lease up, or that the lease store does not
   * answer (default console.warn).
   */
  log?: (message: string) => void;
}

export interface LeasedWorker {
  readonly owner: string;
  isActive(): boolean;
  stop(): Promise<void>;
}

/**
 * Runs `run` on at most one instance at a time. The holder renews a third of
 * the TTL after it last asked; when it dies, another instance takes over once
 * the TTL passes. A lost renewal aborts the work at once, and so does one not
 * answered within half the TTL, since another instance may hold the lease by
 * the time it ends; fencing (checkpoint versions) stops a late write from work
 * that is still finishing. An instance whose runs keep failing gives the lease
 * up for a while (`maxFailedRuns`), so a fault of its own does not stop the work.
 */
export function startLeasedWorker(options: LeasedWorkerOptions): LeasedWorker {
  const ttlMs = options.ttlMs ?? 5000;
  const owner = options.owner ?? randomUUID();
  const log = options.log ?? ((message: string) => console.warn(message));
  const maxFailedRuns = options.maxFailedRuns ?? 3;
  const healthyRunMs = options.healthyRunMs ?? 60_000;
  const stopping = new AbortController();
  /** Set while this instance sits out after giving the lease up. */
  let resting = false;
  const unwanted = () => stopping.signal.aborted || resting;
  let active: AbortController | undefined;
  /** The run not finished yet, aborted or not: an aborted run may still be finishing its batch. */
  let work: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let expiry: NodeJS.Timeout | undefined;
  const release = () => options.leases.release(options.name, owner).catch(() => undefined);
  const yieldWork = () => {
    active?.abort();
    active = undefined;
  };

  /** `call`'s answer, or 'late' once half the TTL passed without one. */
  const inTime = async <T>(call: Promise<T>): Promise<T | 'late'> => {
    let deadline: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      deadline = setTimeout(resolve, ttlMs / 2, 'late').unref(); // stop() need not wait for it
    });
    try {
      return await Promise.race([call, late]);
    } finally {
      clearTimeout(deadline);
    }
  };

  /** Set while calls go unanswered, so the log says so once rather than every tick. */
  let unanswered = false;
  /**
   * The store's answer, or false once half the TTL passed without one: a call
   * that never settles (a hung thread, a half-open socket) must not stop the ticks.
   */
  const ask = async (): Promise<boolean> => {
    const call = new Promise<boolean>((resolve) =>
      resolve(options.leases.tryAcquire(options.name, owner, ttlMs)),
    );
    // A grant landing once the lease was given up (stop() or a rest began, and released it on
    // another connection) is given back.
    void call.then(
      (held) => {
        if (held && unwanted()) void release();
      },
      () => undefined,
    );
    const answer = await inTime(call).catch((error: unknown) => {
      options.onError?.(error);
      return false;
    });
    if (answer === 'late' && !unanswered)
      log(
        `lease ${options.name}: no answer from the lease store within ${ttlMs / 2} ms; ` +
          'counted as not held, and asked again until it answers',
      );
    unanswered = answer === 'late';
    return answer === true;
  };

  let failedRuns = 0;
  const countRun = (ranMs: number, failed: boolean, error: unknown) => {
    failedRuns = failed && ranMs < healthyRunMs ? failedRuns + 1 : 0;
    if (failed && failedRuns >= maxFailedRuns) sitOut(error);
  };
  /**
   * Gives the lease up and asks again two TTLs later: a failure only this
   * instance has (its broker connection, its read-model thread) lets another
   * take over, and one they all have makes them take turns.
   */
  const sitOut = (error: unknown) => {
    log(
      `lease ${options.name}: gave it up after ${failedRuns} runs in a row failed on this ` +
        `instance (last: ${errorMessage(error)}); another instance may take it over, ` +
        `and this one asks again in ${2 * ttlMs} ms`,
    );
    failedRuns = 0;
    resting = true;
    clearTimeout(timer);
    clearTimeout(expiry);
    yieldWork();
    void release();
    timer = setTimeout(() => {
      resting = false;
      void tick();
    }, 2 * ttlMs);
  };

  const tick = async () => {
    // Monotonic: a wall clock stepped back during the call would stretch the lease by the step.
    const asked = performance.now();
    let held = await ask();
    if (unwanted()) return;
    // The lease runs from when it was asked for: a grant answered after that is already over,
    // and without a renewal answered in time the work stops when the lease would run out.
    const left = asked + ttlMs - performance.now();
    held &&= left > 0;
    if (held) {
      clearTimeout(expiry);
      expiry = setTimeout(yieldWork, left);
    }
    // A new run waits for an aborted one to finish, so no two overlap in this process.
    if (held && !work) {
      const controller = new AbortController();
      active = controller;
      const started = performance.now();
      // A run ended by a yield or a stop says nothing of this instance's health, but a long one
      // did some work first.
      const ended = (failed: boolean, error?: unknown) => {
        const ranMs = performance.now() - started;
        if (!controller.signal.aborted) countRun(ranMs, failed, error);
        else if (ranMs >= healthyRunMs) failedRuns = 0;
      };
      const run = options.run(controller.signal).then(
        () => ended(false),
        (error: unknown) => {
          options.onError?.(error);
          ended(true, error);
        },
      );
      work = run;
      // Work that ends by itself (an error) frees the slot; the next tick starts it again,
      // unless this instance gave the lease up meanwhile.
      void run.finally(() => {
        work = undefined;
        if (active === controller) active = undefined;
      });
    } else if (!held && active) {
      yieldWork();
    }
    // A renewal is counted from the ask, not the answer, so slow answers do not push it towards
    // the lease's end. A poll for a lease held elsewhere waits from the answer: asking again at
    // once after a slow answer would only race the holder's renewal. After a call left
    // unanswered it waits a whole TTL: the store may have applied it, and the lease it granted
    // must lapse before another instance can take it.
    const renewIn = Math.max(0, asked + ttlMs / 3 - performance.now());
    timer = setTimeout(tick, held ? renewIn : unanswered ? ttlMs : ttlMs / 2);
  };
  void tick();
  const unreport = reportActivity(options.name, () => active !== undefined && !unwanted());

  return {
    owner,
    isActive: () => active !== undefined,
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      clearTimeout(expiry);
      active?.abort();
      await work;
      // A store that does not answer leaves the lease to lapse rather than holding up the stop.
      await inTime(release());
      unreport();
    },
  };
}
