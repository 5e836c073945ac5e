import { randomUUID } from 'node:crypto';
import { appendTo, events } from '../../apps/projector/testing/invitation-events';
import type { NewEvent } from '../../libs/event-store';
import type { SqliteEventStore } from '../../libs/event-store/sqlite/sqlite-event-store';

/**
 * What happens to invitation `i` after it is sent (by i % 20): 30% stay
 * pending, 30% are accepted (one in six of them after a deferral), 10% are
 * resent, 10% cancelled, 10% expire, 10% expire, are resent and then accepted.
 * Mean 1.95 events per invitation.
 */
function followUps(i: number, id: string): NewEvent[] {
  const s = i + 60;
  const kind = i % 20;
  if (kind < 6) return [];
  if (kind < 11) return [events.accepted(id, randomUUID(), s)];
  if (kind === 11) {
    const company = randomUUID();
    return [events.deferred(id, company, s), events.accepted(id, company, s + 60)];
  }
  if (kind < 14) return [events.resent(id, s)];
  if (kind < 16) return [events.cancelled(id, s)];
  if (kind < 18) return [events.expired(id, s)];
  return [
    events.expired(id, s),
    events.resent(id, s + 60),
    events.accepted(id, randomUUID(), s + 120),
  ];
}

/**
 * Fills the event store with `total` invitation events: every Sent first (in
 * chunks appended concurrently, so group commit writes each chunk in one
 * transaction), then the first follow-up of each invitation, then the second…
 * so a follow-up usually finds its invitation in an earlier batch.
 */
export async function fillEventStore(store: SqliteEventStore, total: number): Promise<number> {
  const vendors = Array.from({ length: 500 }, () => randomUUID());
  const rounds: Array<Array<[string, NewEvent]>> = [[]];
  let count = 0;
  for (let i = 0; count < total; i++) {
    const id = randomUUID();
    const sent = events.sent(
      id,
      {
        vendorId: vendors[i % vendors.length],
        email: `customer-${i}@example.com`,
        firstName: 'Ann',
        lastName: `Lee ${i}`,
        ...(i % 2 ? { businessName: `Business ${i}`, customerNumber: `C-${i}` } : {}),
        expiresAt: events.at(i + 7 * 86_400),
      },
      i,
    );
    const later = followUps(i, id);
    rounds[0].push([id, sent]);
    later.forEach((e, r) => (rounds[r + 1] ??= []).push([id, e]));
    count += 1 + later.length;
  }
  for (const round of rounds) {
    for (let i = 0; i < round.length; i += 5_000) {
      await Promise.all(round.slice(i, i + 5_000).map(([id, e]) => appendTo(store, id, e)));
    }
  }
  return count;
}
