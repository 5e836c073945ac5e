import { metrics } from '../platform/observability/metrics';

/** Emails `service` dropped unsent as no longer wanted, across the process. */
export const emailsUnwanted = async (service: string): Promise<number> =>
  (await metrics.emails.get()).values.find(
    (v) => v.labels.service === service && v.labels.outcome === 'unwanted',
  )?.value ?? 0;
