import { withTimeout } from './with-timeout';

describe('withTimeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const timedOut = () => new Error('timed out');

  describe('when the work settles in time', () => {
    it('resolves with its value and leaves no timer behind', async () => {
      await expect(withTimeout(Promise.resolve(7), 1_000, timedOut)).resolves.toBe(7);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('rejects with its own error', async () => {
      const failed = withTimeout(Promise.reject(new Error('boom')), 1_000, timedOut);
      await expect(failed).rejects.toThrow('boom');
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  describe('when the work outlasts the limit', () => {
    it('rejects with the timeout error', async () => {
      const pending = withTimeout(new Promise<never>(() => undefined), 1_000, timedOut);
      jest.advanceTimersByTime(1_000);
      await expect(pending).rejects.toThrow('timed out');
    });
  });
});
