import { metrics, reportEmailsWaiting } from '../observability/metrics';
import { join } from 'node:path';
import { createMailQueue, type MailQueue } from './mail-queue';
import { sqliteMailSpool, type MailProof } from './mail-spool';
import type { Mailer } from './mailer';
import { errorMessage } from '../errors/error-message';
import type { PartLog } from '../observability/logger';
import { outageTelling } from './mail-outage';

/**
 * A mail server's words without the addresses in them: most echo the
 * recipient (`550 5.1.1 <ann@example.com>: no such mailbox`), which would tie
 * an invitee's address to an invitation in the ordinary logs.
 */
export const withoutAddresses = (text: string): string =>
  text.replace(/<?[^\s<>@",;]+@[^\s<>@",;]+>?/g, '<***>');

/** Why an attempt failed, as a log line may say it. */
const why = (error: unknown) => withoutAddresses(errorMessage(error));

/**
 * The mail queue a service sends through: spooled in
 * `<dataDir>/<service>-mail-spool.sqlite`, so a crash before delivery loses
 * nothing, and resumed with what an earlier run left. Logs name the message
 * by its label, never its body (which carries a token). A mail server that
 * does not take emails is told in one line as it stops and one as it takes them
 * again, not a line per email and attempt; `emails_waiting` counts what waits.
 */
export async function openSpooledMailQueue(
  mailer: Mailer,
  options: {
    dataDir: string;
    service: string;
    /** Whether a command recorded what a mail written down before its commit needs. */
    recorded?: (proof: MailProof) => Promise<boolean>;
    /** Whether a mail's stream still wants it sent, asked before each attempt. */
    stillWanted?: (proof: MailProof) => Promise<boolean>;
    log: PartLog;
    /** Wait before an email's first retry (tests make it short). */
    firstRetryDelayMs?: number;
  },
): Promise<MailQueue> {
  const { service, log: logger } = options;
  const count = (outcome: string) => metrics.emails.inc({ service, outcome });
  const spool = sqliteMailSpool(join(options.dataDir, `${service}-mail-spool.sqlite`));
  const { recorded, stillWanted } = options;
  const queue = createMailQueue(outageTelling(mailer, logger, why), {
    spool,
    firstRetryDelayMs: options.firstRetryDelayMs,
    stillWanted,
    ...(recorded ? { intents: { store: spool, recorded } } : {}),
    onWantedCheckFailure: (label, error) =>
      logger.warn(
        `${label}: not checked against the event store, sent all the same: ${why(error)}`,
      ),
    onIntentCheckFailure: (label, error) =>
      logger.warn(`${label}: not checked against the event store, will check again: ${why(error)}`),
    onDelivered: () => count('delivered'),
    // The outage's two lines tell of retries: one per email and attempt was millions a day.
    onRetry: () => count('retried'),
    onGiveUp: (label, error) => {
      count('given_up');
      logger.error(`${label}: email not sent: ${why(error)}`);
    },
    onSuperseded: (label) => {
      count('superseded');
      logger.log(`${label}: an email not delivered yet is dropped for a newer one`);
    },
    onUnwanted: (label) => {
      count('unwanted');
      logger.log(
        `${label}: an email not delivered yet is dropped: no longer wanted (cancelled, accepted, expired, verified, or its link replaced)`,
      );
    },
    onCutShort: (deliveries) =>
      logger.warn(
        `${deliveries} emails were still being delivered as the service stopped; the next start sends them again, so some may arrive twice`,
      ),
    onIntentWriteFailure: (label, error) => {
      count('not_written_down');
      logger.warn(
        `${label}: email not written down before its command, a crash before it is sent would lose it: ${why(error)}`,
      );
    },
    onSpoolFailure: (label, error) => {
      count('not_spooled');
      logger.warn(`${label}: email not spooled, held in memory only: ${why(error)}`);
    },
    onSpoolReadFailure: (error, retryInMs) =>
      logger.warn(`mail spool not read, again in ${retryInMs} ms: ${why(error)}`),
    onSpoolRemoveFailure: (error, retryInMs) =>
      logger.warn(
        retryInMs === undefined
          ? `sent emails left in the mail spool; the next start sends them again: ${why(error)}`
          : `sent emails not removed from the mail spool, again in ${retryInMs} ms: ${why(error)}`,
      ),
  });
  const unreport = reportEmailsWaiting(service, () => queue.waiting());
  const resumed = await queue.resume().catch((error: unknown) => {
    unreport();
    throw error;
  });
  if (resumed > 0) logger.log(`sending ${resumed} emails left by an earlier run`);
  return {
    ...queue,
    async close() {
      try {
        await queue.close();
      } finally {
        unreport();
      }
    },
  };
}
