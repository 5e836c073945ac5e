import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type LabelValues,
} from 'prom-client';
import { withTimeout } from '../async/with-timeout';

/** One registry per process; in the all-in-one process the services share it, labelled by service. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const metrics = {
  commands: new Counter({
    name: 'commands_total',
    help: 'Commands handled, by stream category and outcome (ok, unchanged, refused, conflict_retry, concurrent_update, event_store_unavailable, error).',
    labelNames: ['category', 'outcome'],
    registers: [registry],
  }),
  commandSeconds: new Histogram({
    name: 'command_duration_seconds',
    help: 'Time from reading the stream to the append being durable.',
    labelNames: ['category'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  }),
  messages: new Counter({
    name: 'messages_total',
    help: "Messages by queue and outcome: consumed (handled, retried, dead_lettered), dropped past the in-process bus's dead-letter limit (dead_letter_dropped), and a forwarder's published to no queue (unrouted).",
    labelNames: ['queue', 'outcome'],
    registers: [registry],
  }),
  emails: new Counter({
    name: 'emails_total',
    help: 'Emails by service and outcome (delivered, retried, given_up, superseded, unwanted, not_spooled, not_written_down).',
    labelNames: ['service', 'outcome'],
    registers: [registry],
  }),
  rateLimits: new Counter({
    name: 'rate_limit_hits_total',
    help: 'Rate-limit checks, by limiter and outcome (taken, refused, unavailable).',
    labelNames: ['limiter', 'outcome'],
    registers: [registry],
  }),
  lag: new Gauge({
    name: 'subscription_lag_events',
    help: 'Event-store positions between the head and a forwarder or projection checkpoint.',
    labelNames: ['worker'],
    registers: [registry],
    // Read at each scrape: a worker whose lag cannot be read has no value, not its last one.
    async collect() {
      await Promise.all(
        [...lagReaders.readers].map(([worker, readers]) => {
          const read = readers.at(-1)!;
          return setFromRead(
            this,
            { worker },
            async () => Number(await read()),
            () => lagReaders.readers.get(worker)?.at(-1) === read,
          );
        }),
      );
    },
  }),
  workerActive: new Gauge({
    name: 'worker_active',
    help: "1 while this process holds a leased worker's lease and runs it, else 0 (waiting, sitting out, stopping). Summed over instances it is 1; 0 for long means no instance runs the worker.",
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      for (const [worker, readers] of activity.readers) {
        this.set({ worker }, readers.some((isActive) => isActive()) ? 1 : 0);
      }
    },
  }),
  brokerConnected: new Gauge({
    name: 'broker_connected',
    help: "1 while every connection of this process to the message broker is open, else 0 (RabbitMQ down, refusing, or closed); the embedded bus is always 1. Identity's /ready does not check the broker: this does, for every service.",
    labelNames: ['broker'],
    registers: [registry],
    collect() {
      for (const [broker, readers] of brokers.readers) {
        this.set({ broker }, readers.at(-1)!() ? 1 : 0);
      }
    },
  }),
  emailsWaiting: new Gauge({
    name: 'emails_waiting',
    help: 'Emails a service accepted and has not delivered or given up yet: in its spool or held in memory. Rising while emails_total{outcome="retried"} rises: the mail server does not take emails (the service log names the setting).',
    labelNames: ['service'],
    registers: [registry],
    // Read at each scrape, summed over the service's queues; one that cannot say leaves no value.
    async collect() {
      await Promise.all(
        [...waitingReaders.readers].map(([service, readers]) =>
          setFromRead(
            this,
            { service },
            async () =>
              (await Promise.all(readers.map((read) => read()))).reduce((a, n) => a + n, 0),
            () => waitingReaders.readers.get(service) === readers,
          ),
        ),
      );
    },
  }),
};

/** How long a scrape waits for a value read at the scrape (a lag, a count of emails). */
const SCRAPE_READ_TIMEOUT_MS = 2_000;

/**
 * Sets `labels` to what `read` gives within SCRAPE_READ_TIMEOUT_MS, or removes
 * them when it fails: a value that cannot be read is none, not the last one.
 * Neither once `current()` is false: what was read stopped meanwhile.
 */
async function setFromRead(
  gauge: Gauge,
  labels: LabelValues<string>,
  read: () => Promise<number>,
  current: () => boolean,
): Promise<void> {
  try {
    const value = await withTimeout(read(), SCRAPE_READ_TIMEOUT_MS, () => new Error('timed out'));
    if (current()) gauge.set(labels, value);
  } catch {
    if (current()) gauge.remove(labels);
  }
}

/**
 * Readers of a gauge by its label's value (a worker, a service, a broker), one
 * per instance of it in this process (a take-over starts another worker): the
 * series goes, by `gone`, once the last of them stops.
 */
function readersByLabel<R>(gone: (value: string) => void) {
  const readers = new Map<string, R[]>();
  const report = (value: string, reader: R): (() => void) => {
    readers.set(value, [...(readers.get(value) ?? []), reader]);
    return () => {
      const left = (readers.get(value) ?? []).filter((r) => r !== reader);
      if (left.length > 0) return void readers.set(value, left);
      readers.delete(value);
      gone(value);
    };
  };
  return { readers, report };
}

const activity = readersByLabel<() => boolean>((worker) => metrics.workerActive.remove({ worker }));

/**
 * Reports in `worker_active` whether `worker` runs in this process, read by
 * `isActive` at each scrape, until the returned function is called.
 */
export const reportActivity = activity.report;

type LagReader = () => Promise<bigint | number>;
const lagReaders = readersByLabel<LagReader>((worker) => metrics.lag.remove({ worker }));

/**
 * Reports `worker`'s lag in `subscription_lag_events`, read by `read` at each
 * scrape, until the returned function is called; the latest instance's reader is read.
 */
export const reportLag = lagReaders.report;

/** Stream category: the part of the stream name before the first dash (`invitation`, `user`). */
export const categoryOf = (streamName: string) => streamName.split('-', 1)[0];

const waitingReaders = readersByLabel<() => Promise<number>>((service) =>
  metrics.emailsWaiting.remove({ service }),
);

/**
 * Reports a mail queue of `service` in `emails_waiting`, read by `read` at each
 * scrape, until the returned function is called.
 */
export const reportEmailsWaiting = waitingReaders.report;

/** Per broker kind (`rabbitmq`, `embedded`), the brokers of this process; the latest is read. */
const brokers = readersByLabel<() => boolean>((broker) =>
  metrics.brokerConnected.remove({ broker }),
);

/**
 * Reports in `broker_connected{broker}` whether the broker (`rabbitmq`, `embedded`) is
 * connected, read by `connected` at each scrape, until the returned function is called.
 */
export const reportBrokerConnected = brokers.report;
