import { backoffMs, type Backoff } from '../retry/backoff';
import type { MailSpool, SpoolPlace } from './mail-spool';

/** Waits between tries of removals that failed: doubling from 1 s to at most 30 s. */
const REMOVAL_RETRY: Backoff = { firstMs: 1_000, maxMs: 30_000 };

export interface SpoolRemovals {
  /** Removes a delivered or given-up message; a failure is tried again later, not thrown. */
  remove(place: SpoolPlace): void;
  /** Waits for removals under way and tries the failed ones once more, as the queue closes. */
  flush(): Promise<void>;
}

/**
 * Removals from the mail spool, tried until they succeed: a row left behind
 * is sent again by the next run, to someone who already has it. Failures are
 * tried again together on one timer (a spool thread being restarted fails
 * them all at once), and `onFailure` hears of each wait; without `retryInMs`,
 * of failures still left when the queue closes.
 */
export function spoolRemovals(
  spool: MailSpool,
  onFailure: (error: unknown, retryInMs?: number) => void,
): SpoolRemovals {
  const underWay = new Set<Promise<void>>();
  const failed: SpoolPlace[] = [];
  let failures = 0;
  let lastError: unknown;
  let retry: NodeJS.Timeout | undefined;
  let closing = false;

  const removeNow = (place: SpoolPlace) => {
    const work = spool.remove(place).then(
      () => void (failures = 0),
      (error: unknown) => {
        failed.push(place);
        lastError = error;
        if (!closing && !retry) retryLater();
      },
    );
    underWay.add(work);
    void work.finally(() => underWay.delete(work));
  };

  function retryLater(): void {
    const wait = backoffMs(REMOVAL_RETRY, failures++);
    retry = setTimeout(() => {
      retry = undefined;
      failed.splice(0).forEach(removeNow);
    }, wait).unref(); // a row left on disk is sent again, not lost: no reason to hold the process
    onFailure(lastError, wait);
  }

  const settled = async () => {
    while (underWay.size) await Promise.allSettled([...underWay]);
  };

  return {
    remove: removeNow,
    async flush() {
      closing = true;
      clearTimeout(retry);
      retry = undefined;
      await settled();
      failed.splice(0).forEach(removeNow); // closing: a failure now is only kept
      await settled();
      if (failed.length) onFailure(lastError);
    },
  };
}
