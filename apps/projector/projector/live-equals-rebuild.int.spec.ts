import fc from 'fast-check';
import type { NewEvent, RecordedEvent } from '../../../libs/event-store';
import type { Checkpoint } from '../../../libs/read-store/coordination.port';
import type { SqliteReadModels } from '../../../libs/read-store/sqlite/sqlite-read-models';
import { events, invitationStream } from '../testing/invitation-events';
import {
  rebuildFresh,
  recordInterleaved,
  retryOnce,
  storedRows,
  withLiveAndFresh,
} from '../testing/rebuild-comparison';
import { projectBatch } from './project-batch';
import { PROJECTIONS } from './projections';

const VENDORS = ['v1', 'v2'];
const CUSTOMERS = ['c1', 'c2', 'c3'];

const step = fc.record({
  kind: fc.constantFrom('resent', 'deferred', 'accepted', 'cancelled', 'expired'),
  customer: fc.constantFrom(...CUSTOMERS),
  duplicated: fc.boolean(),
});
const history = fc.record({
  vendor: fc.constantFrom(...VENDORS),
  customerNumber: fc.option(fc.constantFrom('N-1', 'N-2'), { nil: undefined }),
  // now and then a stream without its InvitationSent: a poison event for both projections
  sent: fc.oneof(
    { weight: 9, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  sentDuplicated: fc.boolean(),
  steps: fc.array(step, { maxLength: 6 }),
});
const scenario = fc.record({
  histories: fc.array(history, { minLength: 1, maxLength: 6 }),
  interleaving: fc.array(fc.nat({ max: 5 }), { maxLength: 60 }),
  deliveries: fc.array(
    fc.record({
      size: fc.integer({ min: 1, max: 7 }),
      /** Start this many events before the checkpoint: a redelivery. */
      back: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 4 })),
      /** Every event of the batch delivered twice in a row. */
      doubled: fc.boolean(),
      /** An event delivered before comes again, ahead of the batch (out of order). */
      stale: fc.option(fc.nat(), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 12 },
  ),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Each history's events in order, duplicates included. */
function streamsOf(s: Scenario): Array<{ stream: string; events: NewEvent[] }> {
  let second = 0;
  return s.histories.map((h, i) => {
    const id = `inv-${i}`;
    const list: NewEvent[] = [];
    const add = (e: NewEvent, twice: boolean) => list.push(...(twice ? [e, e] : [e]));
    if (h.sent) {
      add(
        events.sent(
          id,
          { vendorId: h.vendor, customerNumber: h.customerNumber, email: `e${i}@x.io` },
          second++,
        ),
        h.sentDuplicated,
      );
    }
    for (const st of h.steps) {
      const e =
        st.kind === 'resent'
          ? events.resent(id, second++)
          : st.kind === 'deferred'
            ? events.deferred(id, st.customer, second++)
            : st.kind === 'accepted'
              ? events.accepted(id, st.customer, second++)
              : st.kind === 'cancelled'
                ? events.cancelled(id, second++)
                : events.expired(id, second++);
      add(e, st.duplicated);
    }
    return { stream: invitationStream(id), events: list };
  });
}

async function projectLive(rm: SqliteReadModels, all: RecordedEvent[], s: Scenario) {
  for (const projection of PROJECTIONS) {
    const target = {
      projection: projection.name,
      version: await rm.ensureProjection(projection.name),
    };
    let checkpoint: Checkpoint = await rm.loadCheckpoint(target);
    let next = 0;
    for (let d = 0; next < all.length; d++) {
      const { size, back, doubled, stale } = s.deliveries[d % s.deliveries.length];
      const from = Math.max(0, next - back);
      const batch = all.slice(from, Math.max(next + 1, from + size));
      const again = stale !== undefined && next > 0 ? [all[stale % next]] : [];
      const delivered = [...again, ...(doubled ? batch.flatMap((e) => [e, e]) : batch)];
      checkpoint = await projectBatch(
        { store: rm, projection, target, retry: retryOnce },
        delivered,
        checkpoint,
      );
      next = from + batch.length;
    }
  }
}

/** Every stored row, and what the list queries show. */
async function snapshot(rm: SqliteReadModels, s: Scenario) {
  const ids = s.histories.map((_, i) => `inv-${i}`);
  const pairs = VENDORS.flatMap((vendorId) =>
    CUSTOMERS.map((customerCompanyId) => ({ vendorId, customerCompanyId })),
  );
  const out = await storedRows(rm, ids, pairs);
  for (const vendorId of VENDORS) {
    out[`list-${vendorId}`] = await rm.listInvitations('invitations', { vendorId, limit: 100 });
    out[`customers-${vendorId}`] = await rm.listRelationships('customer-relationships', {
      vendorId,
      limit: 100,
    });
  }
  return out;
}

describe('projections', () => {
  describe('when invitation histories interleave, with duplicated and redelivered events', () => {
    it('end live exactly as a fresh rebuild does', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, (s) =>
          withLiveAndFresh(async (store, live, fresh) => {
            const all = await recordInterleaved(store, streamsOf(s), s.interleaving);
            await projectLive(live, all, s);
            await rebuildFresh(fresh, all);
            const expected = await snapshot(fresh, s);
            expect(await snapshot(live, s)).toEqual(expected);
            const rows = (expected.invitations as { invitations: unknown[] }).invitations;
            expect(rows).toHaveLength(s.histories.filter((h) => h.sent).length);
          }),
        ),
        { numRuns: 100 },
      );
    }, 60_000);
  });
});
