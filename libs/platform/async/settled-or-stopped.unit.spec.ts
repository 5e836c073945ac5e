import { settledOrStopped, StoppedWaitingError } from './settled-or-stopped';

describe('settledOrStopped', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  describe('when the work settles before any stop', () => {
    it('settles as the work does', async () => {
      const stop = new AbortController();
      await expect(settledOrStopped(Promise.resolve(7), stop.signal, 100, 'x')).resolves.toBe(7);
      const failed = Promise.reject(new Error('refused'));
      await expect(settledOrStopped(failed, stop.signal, 100, 'x')).rejects.toThrow('refused');
    });
  });

  describe('when a stop comes while the work is unsettled', () => {
    it('waits the grace for it, then gives it up', async () => {
      const stop = new AbortController();
      let finish!: (value: number) => void;
      const quick = settledOrStopped(
        new Promise<number>((r) => (finish = r)),
        stop.signal,
        100,
        'x',
      );
      stop.abort();
      await jest.advanceTimersByTimeAsync(99);
      finish(1);
      await expect(quick).resolves.toBe(1);

      const hung = settledOrStopped(
        new Promise<number>(() => undefined),
        stop.signal,
        100,
        'a publish',
      );
      const outcome = expect(hung).rejects.toThrow(StoppedWaitingError);
      await jest.advanceTimersByTimeAsync(100);
      await outcome;
    });
  });
});
