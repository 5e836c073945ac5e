import { randomUUID } from 'node:crypto';
import { readThrough, type EventStore } from '../../../libs/event-store';
import { handleCommand } from '../../../libs/platform/command-handling/command-handler';
import { startLeasedWorker, type LeasedWorker } from '../../../libs/platform/workers/leased-worker';
import type { LeaseStore } from '../../../libs/read-store/coordination.port';
import { invitationDecider } from '../invitation/decide';
import { invitationStream } from '../invitation/invitation.events';
import { EXPIRY_EVENT_TYPES, PendingExpiries } from './pending-expiries';

const BATCH = 500;
export const EXPIRY_WORKER = 'invitations-expiry';

export interface InvitationExpiry {
  /** Catches up with the event store, then records InvitationExpired for every due invitation; returns how many. */
  expireDue(now: Date): Promise<number>;
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
  const catchUp = async () => {
    const head = await store.headPosition();
    while (index.position < head) {
      const batch = await store.readAll({
        after: index.position,
        maxCount: BATCH,
        types: EXPIRY_EVENT_TYPES,
        until: head,
      });
      index.apply(batch, readThrough(batch, BATCH, head));
    }
  };

  const expire = async (now: Date) => {
    await catchUp();
    let expired = 0;
    for (const id of index.due(now)) {
      const correlationId = randomUUID();
      const { events } = await handleCommand(
        store,
        invitationDecider,
        invitationStream(id),
        { type: 'ExpireInvitation' },
        { correlationId, causationId: correlationId, actor: `service:${EXPIRY_WORKER}`, now },
      );
      expired += events.length;
    }
    return expired;
  };

  return {
    expireDue(now) {
      const run = running.then(() => expire(now));
      running = run.catch(() => undefined);
      return run;
    },
  };
}

/** Runs `expireDue` every `intervalMs` on the one instance holding the lease. */
export function startExpiryScheduler(options: {
  expiry: InvitationExpiry;
  leases: LeaseStore;
  intervalMs?: number;
  onError?: (error: unknown) => void;
}): LeasedWorker {
  const intervalMs = options.intervalMs ?? 15_000;
  return startLeasedWorker({
    name: EXPIRY_WORKER,
    leases: options.leases,
    onError: options.onError,
    run: async (signal) => {
      while (!signal.aborted) {
        await options.expiry.expireDue(new Date());
        await pause(intervalMs, signal);
      }
    },
  });
}

/** Waits `ms`, or less if `signal` aborts, including before the wait began (during a run). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
