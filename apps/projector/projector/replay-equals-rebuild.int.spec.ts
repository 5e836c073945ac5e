import fc from 'fast-check';
import type { NewEvent, RecordedEvent } from '../../../libs/event-store';
import type { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
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
import type { Projection } from './projection';
import { PROJECTIONS } from './projections';
import { parkedStreams, replayStream } from './replay';

const CUSTOMERS = ['c1', 'c2'];

// Many invitations of one vendor accepted by few companies: acceptances share relationships.
const history = fc.record({
  customerNumber: fc.option(fc.constantFrom('N-1', 'N-2'), { nil: undefined }),
  resent: fc.boolean(),
  acceptedBy: fc.option(fc.constantFrom(...CUSTOMERS), { nil: undefined }),
  acceptedTwice: fc.boolean(),
});
const scenario = fc.record({
  histories: fc.array(history, { minLength: 1, maxLength: 6 }),
  interleaving: fc.array(fc.nat({ max: 5 }), { maxLength: 30 }),
  /** Indexes of the events that fail until the fix: parked, then replayed. */
  poison: fc.uniqueArray(fc.nat({ max: 29 }), { maxLength: 4 }),
  /** Where the replay runs: events after it are projected live, by the fixed code. */
  replayAfter: fc.nat({ max: 29 }),
  batches: fc.array(
    fc.record({
      size: fc.integer({ min: 1, max: 5 }),
      /** Start this many events before the checkpoint: a redelivery. */
      back: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 3 })),
    }),
    { minLength: 1, maxLength: 6 },
  ),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Each history's events in order, duplicates included. */
function streamsOf(s: Scenario): Array<{ stream: string; events: NewEvent[] }> {
  let second = 0;
  return s.histories.map((h, i) => {
    const id = `inv-${i}`;
    const list: NewEvent[] = [events.sent(id, { customerNumber: h.customerNumber }, second++)];
    if (h.resent) list.push(events.resent(id, second++));
    if (h.acceptedBy) {
      const accepted = events.accepted(id, h.acceptedBy, second++);
      list.push(...(h.acceptedTwice ? [accepted, accepted] : [accepted]));
    }
    return { stream: invitationStream(id), events: list };
  });
}

/** The projection failing on the poison events, as the code before the fix did. */
function poisoned(projection: Projection, poison: Set<bigint>): Projection {
  return {
    ...projection,
    apply: (event, rows) => {
      if (poison.has(event.position)) throw new Error('cannot project this yet');
      return projection.apply(event, rows);
    },
  };
}

/** Live in batches with redeliveries: poisoned up to `replayAfter`, then replayed, then fixed. */
async function projectLive(
  rm: SqliteReadModels,
  store: SqliteEventStore,
  all: RecordedEvent[],
  s: Scenario,
) {
  const poison = new Set(s.poison.map((i) => all[i % all.length].position));
  const cut = (s.replayAfter % all.length) + 1;
  for (const projection of PROJECTIONS) {
    const target = {
      projection: projection.name,
      version: await rm.ensureProjection(projection.name),
    };
    let checkpoint: Checkpoint = await rm.loadCheckpoint(target);
    const deliver = async (events: RecordedEvent[], p: Projection) => {
      for (let d = 0, next = 0; next < events.length; d++) {
        const { size, back } = s.batches[d % s.batches.length];
        const from = Math.max(0, next - back);
        const batch = events.slice(from, Math.max(next + 1, from + size));
        checkpoint = await projectBatch(
          { store: rm, projection: p, target, retry: retryOnce },
          batch,
          checkpoint,
        );
        next = from + batch.length;
      }
    };
    await deliver(all.slice(0, cut), poisoned(projection, poison));
    for (const stream of await parkedStreams(rm, projection.name)) {
      const replay = await replayStream({ eventStore: store, store: rm, projection }, stream);
      expect(replay.failed).toBeUndefined();
    }
    checkpoint = await rm.loadCheckpoint(target); // a replay's commit moves its version
    await deliver(all.slice(cut), projection);
  }
}

/** Every stored row, with the positions it keeps beside what queries show. */
const snapshot = (rm: SqliteReadModels, s: Scenario) =>
  storedRows(
    rm,
    s.histories.map((_, i) => `inv-${i}`),
    CUSTOMERS.map((customerCompanyId) => ({ vendorId: 'vendor-1', customerCompanyId })),
  );

describe('projections', () => {
  describe('when events were parked and replayed once fixed, with redelivered and duplicated events', () => {
    it('end exactly as a fresh rebuild does', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, (s) =>
          withLiveAndFresh(async (store, live, fresh) => {
            const all = await recordInterleaved(store, streamsOf(s), s.interleaving);
            await projectLive(live, store, all, s);
            await rebuildFresh(fresh, all);
            expect(await snapshot(live, s)).toEqual(await snapshot(fresh, s));
          }),
        ),
        { numRuns: 150 },
      );
    }, 60_000);
  });
});
