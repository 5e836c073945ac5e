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

/**
 * Waits `ms`, or less if any of `signals` aborts, including before the wait began. Listens to
 * each itself: `AbortSignal.any` keeps an entry on every source signal (Node 20), which on a
 * signal that lives as long as its consumer grew by one each wait.
 */
export function pause(ms: number, ...signals: AbortSignal[]): Promise<void> {
  if (signals.some((s) => s.aborted)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of signals) s.addEventListener('abort', done);
  });
}
