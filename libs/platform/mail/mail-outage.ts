import type { PartLog } from '../observability/logger';
import type { Mailer } from './mailer';
import { isRefusedForGood } from './refused-for-good';

/**
 * `mailer`, telling in two lines when its server stops taking emails and when
 * it takes them again, rather than a line per email and attempt: a day-long
 * outage with thousands of emails spooled was millions of lines, none naming
 * the setting to mend. A refusal of one address for good says nothing of the
 * server, so it neither starts nor ends an outage.
 */
export function outageTelling(
  mailer: Mailer,
  log: Pick<PartLog, 'log' | 'warn'>,
  why: (error: unknown) => string,
): Mailer {
  const where = mailer.destination ?? 'the mailer';
  /** Attempts failed since the outage began; none while the server takes emails. */
  let failed: number | undefined;
  /** Bumped as an outage begins or ends: an attempt started before tells of the state before. */
  let turns = 0;

  const succeeded = (startedAt: number) => {
    if (failed === undefined || startedAt !== turns) return;
    const attempts = failed === 1 ? '1 attempt' : `${failed} attempts`;
    log.log(`${where} takes emails again; ${attempts} failed meanwhile`);
    failed = undefined;
    turns += 1;
  };
  const failedWith = (startedAt: number, error: unknown) => {
    if (isRefusedForGood(error)) return;
    if (failed !== undefined) return void (failed += 1);
    if (startedAt !== turns) return; // a slow failure from before the server came back
    log.warn(
      `${where} does not take emails (${why(error)}); emails wait in the spool and are retried`,
    );
    failed = 1;
    turns += 1;
  };

  return {
    ...mailer,
    async send(message) {
      const startedAt = turns;
      try {
        await mailer.send(message);
      } catch (error) {
        failedWith(startedAt, error);
        throw error;
      }
      succeeded(startedAt);
    },
    close: () => mailer.close(),
  };
}
