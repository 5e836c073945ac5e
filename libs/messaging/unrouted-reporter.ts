import type { ForwarderOptions } from './forwarder';

/**
 * So that no message reaches no one unsaid: a warning per type nobody is bound
 * to, the first time and then at most every `unroutedReportMs`, with how many
 * and from which position `ops republish` sends them again.
 */
export function unroutedReporter(
  name: string,
  options: Pick<ForwarderOptions, 'warn' | 'unroutedReportMs' | 'clock'> = {},
) {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const everyMs = options.unroutedReportMs ?? 300_000;
  const clock = options.clock ?? Date.now;
  const pending = new Map<string, { count: number; from: bigint; reportedAt?: number }>();
  const warnPending = (due: (reportedAt: number | undefined) => boolean) => {
    for (const [type, entry] of pending) {
      if (entry.count === 0 || !due(entry.reportedAt)) continue;
      warn(
        `forwarder ${name}: no queue is bound for ${type}; ${entry.count} message(s) ` +
          `reached no one. Once a consumer's queue exists, ` +
          `\`npm run ops -- republish --from ${entry.from}\` publishes them again`,
      );
      entry.reportedAt = clock();
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
      const now = clock();
      warnPending((reportedAt) => reportedAt === undefined || now - reportedAt >= everyMs);
    },
    /** Warns of every count not yet told, interval or not: a stopping forwarder keeps none back. */
    flush: (): void => warnPending(() => true),
  };
}
