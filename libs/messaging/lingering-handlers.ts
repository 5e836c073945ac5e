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

  /** Keeps no more than `kept`: handlers that never settle (a dependency hung for good) would grow it for ever. */
  constructor(private readonly kept = 1_000) {}

  /** Keeps `handled` until it settles, while fewer than `kept` are kept. */
  readonly add = (handled: Promise<unknown>): void => {
    if (this.running.size >= this.kept) return;
    const settled = handled.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
  };

  /** Waits for them, `withinMs` at most; how many are still running then. */
  async settle(withinMs: number): Promise<number> {
    if (this.running.size === 0 || withinMs <= 0) return this.running.size;
    const all = Promise.all([...this.running]);
    await withTimeout(all, withinMs, () => new Error('still running')).catch(() => undefined);
    return this.running.size;
  }
}

/**
 * How long after it began a stop may still wait for them: they already outlasted their timeout,
 * and the wait for the handlers in flight (a handler timeout at most) counts against it, so a
 * stop takes no longer than it did before.
 */
const LINGER_MS = 5_000;

/**
 * A stopping consumer's wait for its lingering handlers, until `LINGER_MS` (or the handler
 * timeout, if shorter) after `since`, when its stop began; then a line for those left.
 */
export async function stopLingering(
  lingering: LingeringHandlers,
  spec: ConsumeSpec,
  log: (message: string) => void,
  since: number,
): Promise<void> {
  const bound = Math.min(spec.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS, LINGER_MS);
  const left = await lingering.settle(Math.max(0, since + bound - Date.now()));
  if (left > 0) {
    log(`${spec.queue}: ${left} handlers given up on were still running as the consumer stopped`);
  }
}
