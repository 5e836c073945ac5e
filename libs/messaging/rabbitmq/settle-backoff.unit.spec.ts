import { getEventListeners } from 'node:events';
import { SettleBackoff } from './settle-backoff';

/** What Node keeps on a signal under an internal symbol named `name`. */
const internal = (signal: AbortSignal, name: string): unknown => {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === name);
  return key && (signal as unknown as Record<symbol, unknown>)[key];
};
/** Signals Node keeps for `AbortSignal.any` on a source signal (0 if none). */
const dependantsOf = (signal: AbortSignal): number =>
  (internal(signal, 'kDependantSignals') as Set<unknown> | undefined)?.size ?? 0;

describe('SettleBackoff', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Whether `promise` has settled, after the microtasks already queued have run. */
  const isDone = async (promise: Promise<unknown>) => {
    let done = false;
    void promise.then(() => (done = true));
    await Promise.resolve();
    return done;
  };

  describe('when settling keeps failing', () => {
    it('doubles the wait each time, up to the cap', () => {
      const backoff = new SettleBackoff(100, 1000);
      const waits = Array.from({ length: 6 }, () => backoff.failed());
      expect(waits).toEqual([100, 200, 400, 800, 1000, 1000]);
    });

    it('holds a message for the wait it was given', async () => {
      const backoff = new SettleBackoff();
      const held = backoff.hold(200);
      jest.advanceTimersByTime(199);
      expect(await isDone(held)).toBe(false);
      jest.advanceTimersByTime(1);
      expect(await isDone(held)).toBe(true);
    });
  });

  describe('when a settle succeeds after failures', () => {
    it('starts the next wait over from the first', () => {
      const backoff = new SettleBackoff(100, 30_000);
      backoff.failed();
      backoff.failed();
      backoff.succeeded();
      expect(backoff.failed()).toBe(100);
    });
  });

  describe("when the held message's channel closes", () => {
    it('ends that hold at once and leaves the others waiting', async () => {
      const backoff = new SettleBackoff();
      const channelClosed = new AbortController();
      const [onClosed, onOpen] = [backoff.hold(30_000, channelClosed.signal), backoff.hold(30_000)];
      channelClosed.abort();
      expect([await isDone(onClosed), await isDone(onOpen)]).toEqual([true, false]);
    });
  });

  describe('when many holds on one channel have ended', () => {
    it('leaves nothing on the channel’s signal or its own', async () => {
      const backoff = new SettleBackoff();
      const channelClosed = new AbortController();
      for (let i = 0; i < 100; i++) {
        const held = backoff.hold(10, channelClosed.signal);
        jest.advanceTimersByTime(10);
        await held;
      }
      const released = (backoff as unknown as { released: AbortController }).released;
      for (const signal of [channelClosed.signal, released.signal]) {
        expect(getEventListeners(signal, 'abort')).toHaveLength(0);
        expect(dependantsOf(signal)).toBe(0);
      }
    });
  });

  describe('when more messages are held at once than Node’s default listener limit', () => {
    it('takes them all without a leak warning', () => {
      const backoff = new SettleBackoff();
      const released = (backoff as unknown as { released: AbortController }).released;
      // Node 20's getMaxListeners refuses an AbortSignal: its own setting is read where it keeps it.
      expect(internal(released.signal, 'events.maxEventTargetListeners')).toBe(0);
    });
  });

  describe('when released (the consumer is cancelled)', () => {
    it('hands back held messages at once, and later ones without waiting', async () => {
      const backoff = new SettleBackoff();
      const [long, short] = [backoff.hold(30_000), backoff.hold(100)];
      backoff.release();
      expect([await isDone(long), await isDone(short)]).toEqual([true, true]);
      expect(await isDone(backoff.hold(30_000))).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
