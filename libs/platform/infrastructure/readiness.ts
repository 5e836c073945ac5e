import type { ReadinessChecks } from '../observability/ops-endpoints.module';
import type { Infrastructure } from './infrastructure';

/** A rate-limit key no one takes: forgetting it is a write that changes nothing. */
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
    rateLimits: () => infra.readModels.rateLimits.reset(PROBE_KEY, Date.now()),
    coordination: () => infra.readModels.coordination.load(worker),
  };
}
