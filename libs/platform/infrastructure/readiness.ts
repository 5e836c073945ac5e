import type { ReadinessChecks } from '../observability/ops-endpoints.module';
import type { Infrastructure } from './infrastructure';

/** A rate-limit key no one takes: its window is the probe's own. */
const PROBE_KEY = 'ready-probe';

/**
 * What a service's commands need besides the event store: the rate-limit
 * counters (every send, login and registration takes one) and the checkpoints
 * and leases of its workers (`worker` names one). Without these checks `/ready`
 * said 200 while those commands answered 503 and the workers stood still.
 */
export function commandStoreChecks(infra: Infrastructure, worker: string): ReadinessChecks {
  return {
    eventStore: () => infra.eventStore.headPosition(),
    rateLimits: () => takeProbeHit(infra),
    coordination: () => infra.readModels.coordination.load(worker),
  };
}

/**
 * One hit on the probe's key, in a window of 1 ms: a one-row upsert the store
 * must commit, as every command's hit is. Forgetting a key no one held was
 * answered from pages in memory, so a data disk the kernel had turned
 * read-only still looked ready while every command was refused. The counters'
 * file is locked for one statement at a time, so a probe never waits long.
 */
const takeProbeHit = (infra: Infrastructure) =>
  infra.readModels.rateLimits.take(PROBE_KEY, Number.MAX_SAFE_INTEGER, 1, Date.now());
