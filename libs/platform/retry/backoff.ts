/** Waits between tries: `firstMs`, doubling with each further try, at most `maxMs`. */
export interface Backoff {
  firstMs: number;
  maxMs: number;
}

/** The wait before try `n` of a run of failures (0 for the first wait). */
export const backoffMs = ({ firstMs, maxMs }: Backoff, n: number): number =>
  Math.min(firstMs * 2 ** n, maxMs);

/**
 * A random wait of up to `backoffMs(backoff, n)`: writers that lost a race
 * together spread out instead of colliding again.
 */
export const jitteredWait = (backoff: Backoff, n: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * backoffMs(backoff, n)));

/** Waits `ms`, or less if `signal` aborts, including before the wait began. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
