import { WrongExpectedRevisionError, type AppendResult } from '../event-store.port';
import type { AppendOutcome, AppendRequest } from './sqlite-group-commit';
import type { SqliteWriter } from './sqlite-writer';

interface PendingAppend {
  request: AppendRequest;
  resolve: (r: AppendResult[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Appends waiting for their commit. One group is in flight at a time, and
 * whatever arrives meanwhile forms the next group, so concurrent writers share
 * an fsync. A group of several goes to the writer thread; a lone append
 * commits on the caller's connection, since the thread hop would cost more
 * than the fsync it hides. One group at a time also keeps the two connections
 * from contending.
 */
export class CommitQueue {
  private pending: PendingAppend[] = [];
  private committing = false;
  /** Callers of `drained` waiting for the group in flight and those after it. */
  private drainWaiters: Array<() => void> = [];
  /** Events of the group being committed: in the file before their outcome is here. */
  private inFlight = 0;

  constructor(
    private readonly writers: { inline: SqliteWriter; thread: SqliteWriter },
    /** Called for each append that committed, in commit order, before its caller hears of it. */
    private readonly onCommitted: (request: AppendRequest, results: AppendResult[]) => void,
    /** Called once a group's outcomes are settled. */
    private readonly onGroupDone: () => void,
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
      const writer = group.length === 1 ? this.writers.inline : this.writers.thread;
      this.inFlight = group.reduce((n, p) => n + countEvents(p.request), 0);
      const outcomes = await writer.commit(group.map((p) => p.request));
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
