/** Every timer stays real: only `Date` is moved, so sockets, retries, leases and waits run as they do. */
const REAL_TIMERS: FakeableAPI[] = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
];

/** Fakes `Date` alone, still ticking; move it with `jest.setSystemTime`, end with `jest.useRealTimers`. */
export function fakeDateOnly(): void {
  jest.useFakeTimers({ advanceTimers: true, doNotFake: REAL_TIMERS });
}
