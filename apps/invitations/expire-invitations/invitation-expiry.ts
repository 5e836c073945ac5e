import { randomUUID } from 'node:crypto';
import { readThrough, type EventStore } from '../../../libs/event-store';
import { handleCommand } from '../../../libs/platform/command-handling/command-handler';
import { causeOf } from '../../../libs/platform/errors/app-error';
import { errorMessage } from '../../../libs/platform/errors/error-message';
import { pause } from '../../../libs/platform/retry/backoff';
import { startLeasedWorker, type LeasedWorker } from '../../../libs/platform/workers/leased-worker';
import type { LeaseStore } from '../../../libs/read-store/coordination.port';
import { invitationDecider } from '../invitation/decide';
import { invitationStream } from '../invitation/invitation.events';
import { EXPIRY_EVENT_TYPES, PendingExpiries } from './pending-expiries';

const BATCH = 500;
/** Expiries in flight at once. */
const IN_FLIGHT = 32;
export const EXPIRY_WORKER = 'invitations-expiry';

export interface InvitationExpiry {
  /**
   * Catches up with the event store, then records InvitationExpired for every
   * due invitation; returns how many. Rejects, once every due invitation was
   * tried, when some could not be expired. Once `signal` aborts (the worker
   * stops) it starts no further read or expiry, and resolves with those done.
   */
  expireDue(now: Date, signal?: AbortSignal): Promise<number>;
}

/**
 * Finds due invitations from an in-memory index that it keeps up to date by
 * reading the event store (the event types that matter) from where it left off (from the start after a
 * restart or take-over). Expiring goes through the decider, so expiring twice,
 * or an invitation accepted or resent meanwhile, records nothing.
 */
export function createInvitationExpiry(store: EventStore): InvitationExpiry {
  const index = new PendingExpiries();
  let running: Promise<unknown> = Promise.resolve();

  // Only the types that change an expiry: the others are never loaded or parsed.
  const catchUp = async (signal?: AbortSignal) => {
    const head = await store.headPosition();
    while (index.position < head && !signal?.aborted) {
      const batch = await store.readAll({
        after: index.position,
        maxCount: BATCH,
        types: EXPIRY_EVENT_TYPES,
        until: head,
      });
      index.apply(batch, readThrough(batch, BATCH, head));
    }
  };

  const expireOne = async (id: string, now: Date) => {
    const correlationId = randomUUID();
    const { events } = await handleCommand(
      store,
      invitationDecider,
      invitationStream(id),
      { type: 'ExpireInvitation' },
      { correlationId, causationId: correlationId, actor: `service:${EXPIRY_WORKER}`, now },
    );
    return events.length;
  };

  // Several at once: each is a stream of its own, so they share the store's commits. One that
  // fails does not hold up the others; it is tried again on the next run.
  const expire = async (now: Date, signal?: AbortSignal) => {
    await catchUp(signal);
    const due = index.due(now);
    const failures: unknown[] = [];
    let expired = 0;
    let next = 0;
    const worker = async () => {
      while (next < due.length && !signal?.aborted) {
        const id = due[next++];
        try {
          const recorded = await expireOne(id, now); // awaited first: `+= await` would add to a stale sum
          expired += recorded;
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, due.length) }, worker));
    if (failures.length > 0) {
      throw new AggregateError(
        failures,
        `could not expire ${failures.length} of ${due.length} due invitations (first: ${describe(failures[0])})`,
      );
    }
    return expired;
  };

  return {
    expireDue(now, signal) {
      const run = running.then(() => expire(now, signal));
      running = run.catch(() => undefined);
      return run;
    },
  };
}

/** A failure as the log shows it: its message, and what caused it (the store's own error). */
function describe(error: unknown): string {
  return errorMessage(error) + causeOf(error);
}

/**
 * Runs `expireDue` every `intervalMs` on the one instance holding the lease. A
 * failed pass waits the interval too: ending the run on it had the lease's next
 * tick start another at once, every 1.7 s, a warning each.
 */
export function startExpiryScheduler(options: {
  expiry: InvitationExpiry;
  leases: LeaseStore;
  intervalMs?: number;
  onError?: (error: unknown) => void;
  log?: (message: string) => void;
}): LeasedWorker {
  const intervalMs = options.intervalMs ?? 15_000;
  return startLeasedWorker({
    name: EXPIRY_WORKER,
    leases: options.leases,
    onError: options.onError,
    log: options.log,
    run: async (signal) => {
      while (!signal.aborted) {
        // Stopping ends the run after the expiries in flight, not after every one due.
        await options.expiry.expireDue(new Date(), signal).catch((error: unknown) => {
          if (!signal.aborted) options.onError?.(error);
        });
        await pause(intervalMs, signal);
      }
    },
  });
}
