import { randomUUID } from 'node:crypto';
import type { LeaseStore } from '../../read-store/coordination.port';

export interface LeasedWorkerOptions {
  /** Lease name: one active instance per name across all processes. */
  name: string;
  leases: LeaseStore;
  /** The work, run while the lease is held; must stop promptly when `signal` aborts. */
  run: (signal: AbortSignal) => Promise<void>;
  ttlMs?: number;
  owner?: string;
  onError?: (error: unknown) => void;
}

export interface LeasedWorker {
  readonly owner: string;
  isActive(): boolean;
  stop(): Promise<void>;
}

/**
 * Runs `run` on at most one instance at a time. The holder renews at a third
 * of the TTL; when it dies, another instance takes over once the TTL passes.
 * A lost renewal aborts the work at once, and fencing (checkpoint versions)
 * stops a late write from a worker that has not noticed yet.
 */
export function startLeasedWorker(options: LeasedWorkerOptions): LeasedWorker {
  const ttlMs = options.ttlMs ?? 5000;
  const owner = options.owner ?? randomUUID();
  const stopping = new AbortController();
  let active: AbortController | undefined;
  let work: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const tick = async () => {
    let held = false;
    try {
      held = await options.leases.tryAcquire(options.name, owner, ttlMs);
    } catch (error) {
      options.onError?.(error);
    }
    if (stopping.signal.aborted) return;
    if (held && !active) {
      const controller = new AbortController();
      active = controller;
      work = options.run(controller.signal).then(
        () => undefined,
        (error) => options.onError?.(error),
      );
      // Work that ends by itself (an error) frees the slot; the next tick starts it again.
      void work.finally(() => {
        if (active === controller) active = undefined;
      });
    } else if (!held && active) {
      active.abort();
      active = undefined;
    }
    timer = setTimeout(tick, held ? ttlMs / 3 : ttlMs / 2);
  };
  void tick();

  return {
    owner,
    isActive: () => active !== undefined,
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      active?.abort();
      await work;
      await options.leases.release(options.name, owner).catch(() => undefined);
    },
  };
}
