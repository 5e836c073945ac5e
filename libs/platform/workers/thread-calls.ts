import { extname, join } from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';
import { backoffMs } from '../retry/backoff';

/** An error as it crosses the thread boundary: its name, message and own fields. */
export interface ThreadError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
}

type Reply<R> = R & { id: number; error?: ThreadError };

type Call<B> = { id: number; body: B };

export interface ThreadCallOptions {
  /** Turns an error thrown in the thread back into the caller's own class. */
  revive?: (e: ThreadError) => Error;
  /**
   * For many small calls from concurrent work (a request each): while the
   * thread is busy, calls gather and cross together at the next turn of the
   * event loop. Without it each call crosses at once, which suits a few large
   * calls the caller overlaps with its own work.
   */
  gather?: boolean;
}

/**
 * Request/reply calls to a worker thread running `<dir>/<name>.worker`, matched
 * by id. Replies the thread has ready together come back in one message (a
 * message costs far more than its size), and with `gather` so do calls. Idle,
 * the thread does not keep the process alive; busy, it does, so a call is
 * never cut off. When the thread dies, every call outstanding or made later
 * rejects with `failed`.
 */
export class ThreadCalls<Body, Result extends object> {
  failed?: Error;
  /** When `failed` was set (ms since the epoch). */
  failedAt = 0;
  /** The thread has answered at least one call (it got as far as serving). */
  answered = false;
  private readonly worker: Worker;
  private readonly waiting = new Map<
    number,
    { resolve: (r: Result) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private outgoing: Call<Body>[] = [];

  constructor(
    dir: string,
    name: string,
    workerData: unknown,
    private readonly options: ThreadCallOptions = {},
  ) {
    // Under ts (tests, tools) the thread compiles its TypeScript the same way the parent does.
    const ext = extname(__filename);
    this.worker = new Worker(join(dir, `${name}.worker${ext}`), {
      workerData,
      execArgv: ext === '.ts' ? ['--require', '@swc-node/register'] : [],
    });
    this.worker.unref();
    this.worker.on('message', (replies: Reply<Result>[]) => {
      this.answered = true;
      for (const { id, error, ...result } of replies) {
        const call = this.waiting.get(id);
        this.waiting.delete(id);
        if (error) call?.reject((this.options.revive ?? plainError)(error));
        else call?.resolve(result as unknown as Result);
      }
      if (this.waiting.size === 0) this.worker.unref();
    });
    const fail = (error: Error) => {
      if (!this.failed) {
        this.failed = error;
        this.failedAt = Date.now();
      }
      for (const call of this.waiting.values()) call.reject(this.failed);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`${name} thread exited (${code})`)));
  }

  call(body: Body): Promise<Result> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const idle = this.waiting.size === 0;
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.outgoing.push({ id, body });
      // An idle thread starts at once; a busy one takes what gathers meanwhile in one message.
      if (idle || !this.options.gather) this.send();
      else if (this.outgoing.length === 1) setImmediate(this.send);
    });
  }

  private readonly send = () => {
    const calls = this.outgoing;
    this.outgoing = [];
    if (calls.length > 0 && !this.failed) this.worker.postMessage(calls);
  };

  /** The thread finishes the calls it holds, closes, and exits; resolves then. */
  async close(): Promise<void> {
    if (this.failed) return;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.ref();
    this.send();
    this.worker.postMessage('close');
    await exited;
  }
}

/** Calls to a thread that comes back after it died (see `restartingThread`). */
export interface RestartingThread<Body, Result extends object> {
  call(body: Body): Promise<Result>;
  start(): void;
  close(): Promise<void>;
}

/** How long a thread that keeps dying before it answers anything waits to be started again. */
export interface RestartBackoff {
  /** After the second death in a row; doubles with each further one. */
  firstMs: number;
  maxMs: number;
}

export const RESTART_BACKOFF: RestartBackoff = { firstMs: 100, maxMs: 5_000 };

/**
 * Calls to a thread that is started with the first call (or `start`) and
 * started again after it died (a call in flight when it dies fails, for the
 * caller to retry). A thread that served calls before it died starts again at
 * the next call. One that dies again before answering anything (a file it
 * cannot open, a module that fails to load) waits longer each time, so that a
 * steady stream of calls does not start a thread for every few calls: until
 * then calls fail at once with the last death as their cause. Closing lets it
 * finish what it holds; a later call starts it anew.
 */
export function restartingThread<Body, Result extends object>(
  dir: string,
  name: string,
  workerData: unknown,
  options: ThreadCallOptions & { restartBackoff?: RestartBackoff } = {},
): RestartingThread<Body, Result> {
  const backoff = options.restartBackoff ?? RESTART_BACKOFF;
  let thread: ThreadCalls<Body, Result> | undefined;
  let deathsInARow = 0;
  let lastDeath: { error: Error; at: number } | undefined;
  let closed = false;
  const running = (): ThreadCalls<Body, Result> | Error => {
    // Closed for good: a late call (a delivery finishing after shutdown) must not start a thread nobody closes.
    if (closed) return new Error(`${name} thread is closed`);
    if (thread && !thread.failed) return thread;
    if (thread?.failed) {
      deathsInARow = thread.answered ? 1 : deathsInARow + 1;
      lastDeath = { error: thread.failed, at: thread.failedAt };
      thread = undefined;
    }
    const wait = deathsInARow < 2 ? 0 : backoffMs(backoff, deathsInARow - 2);
    if (lastDeath && Date.now() < lastDeath.at + wait) {
      const left = lastDeath.at + wait - Date.now();
      return new Error(
        `${name} thread died ${deathsInARow} times in a row (${lastDeath.error.message}); ` +
          `next start in ${left} ms`,
        { cause: lastDeath.error },
      );
    }
    return (thread = new ThreadCalls(dir, name, workerData, options));
  };
  return {
    call: (body) => {
      const t = running();
      return t instanceof Error ? Promise.reject(t) : t.call(body);
    },
    start: () => void running(),
    async close() {
      closed = true;
      const closing = thread;
      thread = undefined;
      await closing?.close();
    },
  };
}

/**
 * The thread's side of `ThreadCalls`: answers each call with `handle`'s result
 * (or the error it throws), and on 'close' runs `close` once no call is in hand.
 */
export function serveCalls<Body>(
  handle: (body: Body) => object | Promise<object>,
  close: () => void,
): void {
  const port = parentPort!;
  let inHand = 0;
  let closing = false;
  let replies: object[] = [];
  const sendReplies = () => {
    const ready = replies;
    replies = [];
    port.postMessage(ready);
    if (closing && inHand === 0) finish();
  };
  const reply = (message: object) => {
    replies.push(message);
    if (replies.length === 1) setImmediate(sendReplies);
  };
  const finish = () => {
    close();
    port.close();
  };
  port.on('message', (message: Call<Body>[] | 'close') => {
    if (message === 'close') {
      closing = true;
      if (inHand === 0 && replies.length === 0) finish();
      return;
    }
    for (const { id, body } of message) {
      inHand += 1;
      Promise.resolve()
        .then(() => handle(body))
        .then(
          (result) => reply({ ...result, id }),
          (error: unknown) => reply({ id, error: toThreadError(error) }),
        )
        .finally(() => (inHand -= 1));
    }
  });
}

function toThreadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  return { name: error.name, message: error.message, fields: { ...error } };
}

/** An error rebuilt from its name and message only. */
export function plainError(e: ThreadError): Error {
  return Object.assign(new Error(e.message), { name: e.name });
}
