import { withTimeout } from '../platform/async/with-timeout';
import type { ConsumeSpec } from './broker.port';
import { DEFAULT_HANDLER_TIMEOUT_MS } from './delivery';

/**
 * Handlers given up on after their timeout that are still running. A stopping
 * consumer waits for them a while: the service closes its stores once its
 * consumers have stopped, and a handler left running wrote into them closed.
 */
export class LingeringHandlers {
  private readonly running = new Set<Promise<unknown>>();

  /** Keeps `handled` until it settles. */
  readonly add = (handled: Promise<unknown>): void => {
    const settled = handled.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
  };

  /** Waits for them, `withinMs` at most; how many are still running then. */
  async settle(withinMs: number): Promise<number> {
    if (this.running.size === 0) return 0;
    const all = Promise.all([...this.running]);
    await withTimeout(all, withinMs, () => new Error('still running')).catch(() => undefined);
    return this.running.size;
  }
}

/**
 * How long a stopping consumer waits for them at most: they already outlasted their timeout, and
 * a stop must fit in the container's 30 s beside the handlers still in flight.
 */
const LINGER_MS = 5_000;

/** A stopping consumer's wait for its lingering handlers: a handler timeout (5 s) at most, then a line. */
export async function stopLingering(
  lingering: LingeringHandlers,
  spec: ConsumeSpec,
  log: (message: string) => void,
): Promise<void> {
  const within = Math.min(spec.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS, LINGER_MS);
  const left = await lingering.settle(within);
  if (left > 0) {
    log(`${spec.queue}: ${left} handlers given up on were still running as the consumer stopped`);
  }
}
