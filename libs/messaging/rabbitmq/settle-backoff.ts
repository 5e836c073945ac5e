/**
 * How long a consumer holds a message it could not settle (its move to a
 * retry or dead-letter queue failed) before handing it back. Handed back at
 * once, a message whose settling keeps failing comes straight back and runs
 * its handler again, thousands of times a second; held, it keeps its prefetch
 * slot, which slows the consumer down while the cause lasts. The wait doubles
 * with each failure in a row and starts over after a settle succeeds.
 */
export class SettleBackoff {
  private nextMs: number;
  private readonly held = new Set<() => void>();
  private released = false;

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 30_000,
  ) {
    this.nextMs = initialMs;
  }

  /** Counts a failed settle; returns how long to hold that message. */
  failed(): number {
    const ms = this.nextMs;
    this.nextMs = Math.min(this.maxMs, ms * 2);
    return ms;
  }

  succeeded(): void {
    this.nextMs = this.initialMs;
  }

  /** Resolves after `ms`, or as soon as `release` is called. */
  hold(ms: number): Promise<void> {
    if (this.released) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.held.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.held.add(done);
    });
  }

  /** Ends every hold now, and any later one at once: a closing consumer waits out no backoff. */
  release(): void {
    this.released = true;
    for (const done of [...this.held]) done();
  }
}
