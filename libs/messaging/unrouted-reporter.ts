import type { ForwarderOptions } from './forwarder';
import { InProcessBroker } from './in-process/in-process-broker';

/**
 * So that no message reaches no one unsaid: a warning per type nobody is bound
 * to, the first time and then at most every `unroutedReportMs`, with how many
 * and from which position `ops republish` sends them again (on the in-process
 * bus, once RabbitMQ is configured).
 */
export function unroutedReporter(
  name: string,
  options: Pick<ForwarderOptions, 'warn' | 'unroutedReportMs' | 'clock'> &
    Partial<Pick<ForwarderOptions, 'broker'>> = {},
) {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const everyMs = options.unroutedReportMs ?? 300_000;
  const clock = options.clock ?? Date.now;
  // `ops republish` reaches RabbitMQ only: the in-process bus lives inside the service.
  const once =
    options.broker instanceof InProcessBroker
      ? 'They stay in the event store: once RABBITMQ_URL is set,'
      : "Once a consumer's queue exists,";
  const pending = new Map<string, { count: number; from: bigint; reportedAt?: number }>();
  /** Warns of each type with a count not told yet, once its interval is over, or at once when `force`d. */
  const warnPending = (force: boolean) => {
    const now = clock();
    for (const [type, entry] of pending) {
      if (entry.count === 0) continue;
      if (!force && entry.reportedAt !== undefined && now - entry.reportedAt < everyMs) continue;
      warn(
        `forwarder ${name}: no queue is bound for ${type}; ${entry.count} message(s) ` +
          `reached no one. ${once} \`npm run ops -- republish --from ${entry.from}\` ` +
          'publishes them again',
      );
      entry.reportedAt = now;
      entry.count = 0;
    }
  };
  return {
    report(types: string[], from: bigint): void {
      for (const type of types) {
        const entry = pending.get(type) ?? { count: 0, from };
        if (entry.count === 0) entry.from = from;
        entry.count += 1;
        pending.set(type, entry);
      }
      warnPending(false);
    },
    /** Warns of every count not yet told, interval or not: a stopping forwarder keeps none back. */
    flush: (): void => warnPending(true),
  };
}
