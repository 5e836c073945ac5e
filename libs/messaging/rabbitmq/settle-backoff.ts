import { backoffMs, pause } from '../../platform/retry/backoff';
import { noListenerLimit } from '../../platform/async/no-listener-limit';

/**
 * How long a consumer holds a message it could not settle (its move to a
 * retry or dead-letter queue failed) before handing it back. Handed back at
 * once, a message whose settling keeps failing comes straight back and runs
 * its handler again, thousands of times a second; held, it keeps its prefetch
 * slot, which slows the consumer down while the cause lasts. The wait doubles
 * with each failure in a row and starts over after a settle succeeds.
 */
export class SettleBackoff {
  private failures = 0;
  private readonly released = noListenerLimit(); // one listener per held message

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 30_000,
  ) {}

  /** Counts a failed settle; returns how long to hold that message. */
  failed(): number {
    return backoffMs({ firstMs: this.initialMs, maxMs: this.maxMs }, this.failures++);
  }

  succeeded(): void {
    this.failures = 0;
  }

  /** Resolves after `ms`, or as soon as `release` is called or `also` aborts. */
  hold(ms: number, also?: AbortSignal): Promise<void> {
    return pause(ms, this.released.signal, ...(also ? [also] : []));
  }

  /** Ends every hold now, and any later one at once: a closing consumer waits out no backoff. */
  release(): void {
    this.released.abort();
  }
}
