/** Work given up on by `settledOrStopped`: it may still settle, unseen. */
export class StoppedWaitingError extends Error {
  constructor(what: string, graceMs: number) {
    super(`stopped waiting for ${what}, still unsettled ${graceMs} ms after the stop`);
  }
}

/**
 * Settles as `work` does, unless `signal` aborts and `work` is still
 * unsettled `graceMs` later: then rejects with StoppedWaitingError. Work that
 * a stop should let finish (a publish in hand) gets its moment, but one held
 * by a dependency that is down does not hold the stop for its whole timeout.
 */
export function settledOrStopped<T>(
  work: Promise<T>,
  signal: AbortSignal,
  graceMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const giveUp = () => {
      timer = setTimeout(() => reject(new StoppedWaitingError(what, graceMs)), graceMs);
    };
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', giveUp);
    };
    if (signal.aborted) giveUp();
    else signal.addEventListener('abort', giveUp, { once: true });
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}
