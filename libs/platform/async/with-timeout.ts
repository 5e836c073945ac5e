/**
 * Settles as `work` does, or rejects with `onTimeout()` once `ms` have passed.
 * The timer is cleared when `work` settles, so none is left holding the
 * process open, and a late rejection of `work` is observed here rather than
 * reported as unhandled.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
