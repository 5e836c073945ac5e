import { errorMessage } from '../../platform/errors/error-message';
import { WrongExpectedRevisionError, type AppendResult } from '../event-store.port';
import type { AppendOutcome, AppendRequest } from './sqlite-group-commit';
import type { SqliteWriter } from './sqlite-writer';

interface PendingAppend {
  request: AppendRequest;
  resolve: (r: AppendResult[]) => void;
  reject: (e: unknown) => void;
}

/**
 * A lone append commits inline while inline commits take less than this (the
 * median of the last few, so one checkpoint does not count); a slower fsync
 * would stall the event loop.
 */
export const INLINE_COMMIT_LIMIT_MS = 2;
const INLINE_SAMPLES = 5;
/** While lone appends go to the thread, one in this many still commits inline, to notice a disk that got fast again. */
export const INLINE_PROBE_EVERY = 50;

/**
 * Appends waiting for their commit. One group is in flight at a time, and
 * whatever arrives meanwhile forms the next group, so concurrent writers share
 * an fsync. A group of several goes to the writer thread. A lone append
 * commits on the caller's connection, since on a fast disk the thread hop
 * costs more than the fsync it hides; once inline commits take longer than
 * INLINE_COMMIT_LIMIT_MS (a slow disk), lone appends go to the thread too, so
 * the event loop is not held for each fsync. One group at a time also keeps
 * the two connections from contending.
 */
export class CommitQueue {
  private pending: PendingAppend[] = [];
  private committing = false;
  /** Callers of `drained` waiting for the group in flight and those after it. */
  private drainWaiters: Array<() => void> = [];
  /** Events of the group being committed: in the file before their outcome is here. */
  private inFlight = 0;
  /** How long the last few inline commits took, in milliseconds. */
  private readonly inlineTimes: number[] = [];
  private slowInline = false;
  private lonesOnThread = 0;

  constructor(
    private readonly writers: { inline: SqliteWriter; thread: SqliteWriter },
    /** Called for each append that committed, in commit order, before its caller hears of it. */
    private readonly onCommitted: (request: AppendRequest, results: AppendResult[]) => void,
    /** Called once a group's outcomes are settled. */
    private readonly onGroupDone: () => void,
    /** Milliseconds, for timing inline commits; tests pass a fake one. */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  get eventsInFlight(): number {
    return this.inFlight;
  }

  enqueue(request: AppendRequest): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      if (!this.committing) {
        this.committing = true;
        setImmediate(() => void this.commitPending());
      }
    });
  }

  /** Resolves once the appends already accepted are committed. */
  async drained(): Promise<void> {
    if (this.committing) await new Promise<void>((r) => this.drainWaiters.push(r));
  }

  private async commitPending(): Promise<void> {
    while (this.pending.length) {
      const group = this.pending;
      this.pending = [];
      const inline = group.length === 1 && this.commitsInline();
      this.inFlight = group.reduce((n, p) => n + countEvents(p.request), 0);
      const started = this.clock();
      let outcomes = await this.commitOn(inline ? this.writers.inline : this.writers.thread, group);
      if (inline) this.timedInline(this.clock() - started);
      // Another connection holds the write lock: the thread waits for it, the event loop does not.
      if (inline && outcomes.every((o) => 'locked' in o)) {
        outcomes = await this.commitOn(this.writers.thread, group);
      }
      this.inFlight = 0;
      group.forEach((p, i) => {
        const outcome = outcomes[i];
        if (outcome && 'ok' in outcome) this.onCommitted(p.request, outcome.ok);
        settle(p, outcome);
      });
      this.onGroupDone();
    }
    this.committing = false;
    for (const done of this.drainWaiters.splice(0)) done();
  }

  /** A writer that throws fails its group; the queue goes on with the next. */
  private commitOn(writer: SqliteWriter, group: PendingAppend[]): Promise<AppendOutcome[]> {
    return writer
      .commit(group.map((p) => p.request))
      .catch((error: unknown) => group.map(() => ({ failure: errorMessage(error) })));
  }

  private timedInline(ms: number): void {
    this.inlineTimes.push(ms);
    if (this.inlineTimes.length > INLINE_SAMPLES) this.inlineTimes.shift();
    const sorted = [...this.inlineTimes].sort((a, b) => a - b);
    this.slowInline = sorted[sorted.length >> 1] > INLINE_COMMIT_LIMIT_MS;
  }

  /** Whether a lone append commits inline now: yes unless the disk proved slow, bar a probe now and then. */
  private commitsInline(): boolean {
    if (!this.slowInline) return true;
    this.lonesOnThread = (this.lonesOnThread + 1) % INLINE_PROBE_EVERY;
    return this.lonesOnThread === 0;
  }
}

function settle(p: PendingAppend, outcome: AppendOutcome | undefined): void {
  if (outcome && 'ok' in outcome) p.resolve(outcome.ok);
  else if (outcome && 'conflict' in outcome) {
    const { stream, expected, actual } = outcome.conflict;
    p.reject(new WrongExpectedRevisionError(stream, expected, actual));
  } else {
    const streams = p.request.streams.map((w) => w.stream).join(', ');
    p.reject(new Error(`append to ${streams} failed: ${outcome?.failure ?? 'no answer'}`));
  }
}

function countEvents(request: AppendRequest): number {
  return request.streams.reduce((n, w) => n + w.events.length, 0);
}
