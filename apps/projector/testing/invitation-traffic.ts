import type { NewEvent } from '../../../libs/event-store';
import type {
  InvitationCursor,
  Page,
  ReadModels,
  RelationshipCursor,
} from '../../../libs/read-store/read-models.port';
import { events } from './invitation-events';

export const VENDORS = ['v1', 'v2', 'v3'];
export const CUSTOMERS = ['c1', 'c2', 'c3'];

interface Invitation {
  id: string;
  state: 'pending' | 'expired' | 'closed';
  last: NewEvent;
}

/** One append: an invitation's stream and its events. */
export interface Append {
  invitationId: string;
  events: NewEvent[];
}

/**
 * Random but valid invitation histories, a tick at a time: new invitations
 * (some deferred in the same append), resends, deferrals, acceptances (few
 * vendors and customers, so several invitations accept for the same pair),
 * cancellations, expiries and resends of expired ones; now and then an event
 * appended again with its id (a redelivery the store records twice).
 */
export function invitationTraffic(random: () => number) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const open: Invitation[] = [];
  const all: Invitation[] = [];
  const ids: string[] = [];
  let second = 0;
  const step = (inv: Invitation): NewEvent => {
    const roll = random();
    const id = inv.id;
    if (inv.state === 'expired') {
      inv.state = roll < 0.7 ? 'pending' : 'closed';
      return roll < 0.7 ? events.resent(id, ++second) : events.cancelled(id, ++second);
    }
    if (roll < 0.2) return events.resent(id, ++second);
    if (roll < 0.35) return events.deferred(id, pick(CUSTOMERS), ++second);
    if (roll < 0.75)
      return ((inv.state = 'closed'), events.accepted(id, pick(CUSTOMERS), ++second));
    if (roll < 0.85) return ((inv.state = 'closed'), events.cancelled(id, ++second));
    return ((inv.state = 'expired'), events.expired(id, ++second));
  };
  return {
    ids,
    /** The appends of one tick. */
    tick(): Append[] {
      const appends: Append[] = [];
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        if (open.length === 0 || random() < 0.35) {
          const id = `i${ids.length}`;
          const customerNumber = pick([undefined, 'N-1', 'N-2']);
          const sent = events.sent(
            id,
            { vendorId: pick(VENDORS), customerNumber, email: `${id}@x.io` },
            ++second,
          );
          const list = [sent];
          if (random() < 0.3) list.push(events.deferred(id, pick(CUSTOMERS), ++second));
          const inv: Invitation = { id, state: 'pending', last: list[list.length - 1] };
          ids.push(id);
          open.push(inv);
          all.push(inv);
          appends.push({ invitationId: id, events: list });
          continue;
        }
        if (random() < 0.1) {
          const again = pick(all); // its last event again, with the same id
          appends.push({ invitationId: again.id, events: [again.last] });
          continue;
        }
        const inv = pick(open);
        inv.last = step(inv);
        appends.push({ invitationId: inv.id, events: [inv.last] });
        if (inv.state === 'closed') open.splice(open.indexOf(inv), 1);
      }
      return appends;
    },
  };
}

async function allPages<T, C>(page: (after?: C) => Promise<Page<T, C>>): Promise<T[]> {
  const items: T[] = [];
  for (let after: C | undefined, first = true; first || after; first = false) {
    const p = await page(after);
    items.push(...p.items);
    after = p.next;
  }
  return items;
}

const byKey = <T>(rows: T[], key: (r: T) => string) =>
  [...rows].sort((a, b) => key(a).localeCompare(key(b)));

/**
 * Both read models as the query API lists them (every page, each vendor), and
 * every stored row of their active versions with its positions, but for a
 * relationship's `position`: its replay guard, which in a rebuild is that of
 * the last acceptance that changed it, and live can be that of a later one
 * when a parked earlier acceptance is replayed after it (the sources that
 * decide the merge, `createdPosition` and `customerNumberPosition`, are kept).
 */
export async function readModelSnapshot(rm: ReadModels, ids: string[]) {
  const out: Record<string, unknown> = {};
  for (const vendorId of VENDORS) {
    out[`invitations of ${vendorId}`] = await allPages((after?: InvitationCursor) =>
      rm.listInvitations('invitations', { vendorId, limit: 100, after }),
    );
    out[`relationships of ${vendorId}`] = await allPages((after?: RelationshipCursor) =>
      rm.listRelationships('customer-relationships', { vendorId, limit: 100, after }),
    );
  }
  const target = async (projection: string) => ({
    projection,
    version: (await rm.activeVersion(projection))!,
  });
  const [invitations, relationships] = [
    await target('invitations'),
    await target('customer-relationships'),
  ];
  const pairs = VENDORS.flatMap((vendorId) =>
    CUSTOMERS.map((customerCompanyId) => ({ vendorId, customerCompanyId })),
  );
  out.invitationRows = byKey(await rm.loadInvitations(invitations, ids), (r) => r.invitationId);
  out.refRows = byKey(await rm.loadInvitationRefs(relationships, ids), (r) => r.invitationId);
  out.relationshipRows = byKey(
    (await rm.loadRelationships(relationships, pairs)).map(({ position: _guard, ...row }) => row),
    (r) => `${r.vendorId}/${r.customerCompanyId}`,
  );
  return out;
}
