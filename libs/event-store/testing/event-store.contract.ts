import { randomUUID } from 'node:crypto';
import {
  WrongExpectedRevisionError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../event-store.port';
import { waitFor } from '../../testing/wait-for';
import { readLastEventContract } from './read-last-event.contract';

export type StoreFactory = () => Promise<EventStore>;

export function newEvent(type: string, data: Record<string, unknown> = {}): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    data,
    metadata: {
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actor: 'service:contract-test',
      occurredAt: new Date().toISOString(),
    },
  };
}

/**
 * The behaviour every EventStore adapter promises. Streams get unique names so
 * the suite can run against a shared server.
 */
export function eventStoreContract(open: StoreFactory): void {
  let store: EventStore;
  const stream = (name = 'contract') => `${name}-${randomUUID()}`;

  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  describe('when closed while an append is on its way', () => {
    it('lets the append finish first', async () => {
      const appending = store.append(stream('closing'), [newEvent('A')], 'no_stream');
      await store.close();
      await expect(appending).resolves.toMatchObject({ nextRevision: 0 });
    });
  });

  describe('when closed while a subscription waits for appends', () => {
    it('stops the subscription first, so it ends rather than failing on the closed store', async () => {
      const s = stream('closing-sub');
      const start = await store.headPosition();
      await store.append(s, [newEvent('A')], 'no_stream');
      let delivered = false;
      const sub = store.subscribeToAll({
        after: start,
        onEvents: async (events) => {
          delivered ||= events.some((e) => e.streamName === s);
        },
      });
      await waitFor(() => delivered, { message: 'the subscription to catch up' });
      await store.close();
      await expect(sub.done).resolves.toBeUndefined();
    });
  });

  describe('when a stream does not exist', () => {
    it('reads as empty', async () => {
      expect(await store.readStream(stream())).toEqual([]);
    });

    it('accepts no_stream and rejects stream_exists and a revision', async () => {
      const s = stream();
      await expect(store.append(s, [newEvent('A')], 'stream_exists')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(store.append(s, [newEvent('A')], 0)).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      const result = await store.append(s, [newEvent('A'), newEvent('B')], 'no_stream');
      expect(result.nextRevision).toBe(1);
    });
  });

  describe('when a stream has events', () => {
    it('reads them back in order with data and metadata', async () => {
      const s = stream();
      const written = [newEvent('A', { n: 1, nested: { ok: true } }), newEvent('B', { n: 2 })];
      await store.append(s, written, 'no_stream');
      const read = await store.readStream(s);
      expect(read.map((e) => [e.revision, e.type, e.data, e.metadata, e.eventId])).toEqual(
        written.map((e, i) => [i, e.type, e.data, e.metadata, e.eventId]),
      );
      expect(read[0].streamName).toBe(s);
      expect(read[1].position).toBeGreaterThan(read[0].position);
      expect(await store.readStream(s, 1)).toHaveLength(1);
    });

    it('appends at the exact revision and refuses a stale one', async () => {
      const s = stream();
      await store.append(s, [newEvent('A')], 'no_stream');
      await store.append(s, [newEvent('B')], 0);
      const stale = store.append(s, [newEvent('C')], 0);
      await expect(stale).rejects.toMatchObject({ streamName: s, expected: 0, actual: 1 });
      await expect(store.append(s, [newEvent('C')], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await store.append(s, [newEvent('C')], 'stream_exists');
      await store.append(s, [newEvent('D')], 'any');
      expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
    });

    it('lets exactly one of two concurrent appends at the same revision win', async () => {
      const s = stream();
      await store.append(s, [newEvent('A')], 'no_stream');
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => store.append(s, [newEvent('B')], 0)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.filter((r) => r.status === 'rejected');
      refused.forEach((r) => expect(r.reason).toBeInstanceOf(WrongExpectedRevisionError));
      expect(await store.readStream(s)).toHaveLength(2);
    });
  });

  readLastEventContract(() => store);

  describe('when appending to several streams at once', () => {
    it('writes every stream, each at its revision, with positions in the order given', async () => {
      const [a, b] = [stream('multi-a'), stream('multi-b')];
      const start = await store.headPosition();
      await store.append(b, [newEvent('B0')], 'no_stream');
      const a0 = newEvent('A0', { n: 0 });
      const [ra, rb] = await store.appendToStreams([
        { streamName: a, events: [a0, newEvent('A1')], expected: 'no_stream' },
        { streamName: b, events: [newEvent('B1')], expected: 0 },
      ]);
      expect([ra.nextRevision, rb.nextRevision]).toEqual([1, 1]);
      const all = (await store.readAll({ after: start, maxCount: 1000 })).filter((e) =>
        [a, b].includes(e.streamName),
      );
      expect(all.map((e) => e.type)).toEqual(['B0', 'A0', 'A1', 'B1']);
      // Data and metadata read back as written, with nothing the store adds.
      expect(all[1]).toMatchObject({ eventId: a0.eventId, data: a0.data });
      expect(all[1].metadata).toEqual(a0.metadata);
      expect((await store.readStream(a))[0].metadata).toEqual(a0.metadata);
      const positions = all.map((e) => e.position);
      expect(positions).toEqual([...positions].sort((x, y) => (x < y ? -1 : 1)));
      expect(new Set(positions).size).toBe(positions.length);
      // Every stream's, the first's too: waiting for any of them covers the whole commit.
      expect(ra.position).toBeGreaterThanOrEqual(all[3].position);
      expect(rb.position).toBeGreaterThanOrEqual(all[3].position);
      // An inclusive read starts at the position named, which need not follow another of ours.
      const fromA0 = await store.readAll({ after: all[1].position, inclusive: true, maxCount: 2 });
      expect(fromA0.map((e) => e.type)).toEqual(['A0', 'A1']);
      // Resuming after the first event of the commit still finds the rest of it.
      const afterA0 = await store.readAll({ after: all[1].position, maxCount: 1000 });
      expect(afterA0.filter((e) => [a, b].includes(e.streamName)).map((e) => e.type)).toEqual([
        'A1',
        'B1',
      ]);
    });

    it('writes none of them when an event has no object data or metadata', async () => {
      const [a, b] = [stream('multi-a'), stream('multi-b')];
      const head = await store.headPosition();
      for (const bad of [{ data: null }, { data: [1] }, { metadata: undefined }]) {
        const event = { ...newEvent('Bad'), ...bad } as unknown as NewEvent;
        const refused = store.appendToStreams([
          { streamName: a, events: [newEvent('A0')], expected: 'no_stream' },
          { streamName: b, events: [event], expected: 'no_stream' },
        ]);
        await expect(refused).rejects.toThrow(/object data and metadata/);
        await expect(store.append(b, [event], 'any')).rejects.toThrow(/object data and metadata/);
      }
      expect(await store.headPosition()).toBe(head);
    });

    it('writes none of them when one expected revision does not hold', async () => {
      const [a, b] = [stream('multi-a'), stream('multi-b')];
      await store.append(b, [newEvent('B0')], 'no_stream');
      const head = await store.headPosition();
      const refused = store.appendToStreams([
        { streamName: a, events: [newEvent('A0')], expected: 'no_stream' },
        { streamName: b, events: [newEvent('B1')], expected: 'no_stream' },
      ]);
      await expect(refused).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(refused).rejects.toMatchObject({ streamName: b });
      expect(await store.readStream(a)).toEqual([]);
      expect(await store.readStream(b)).toHaveLength(1);
      expect(await store.headPosition()).toBe(head);
    });

    it('lets exactly one of several concurrent multi-stream appends on a shared stream win', async () => {
      const shared = stream('multi-shared');
      await store.append(shared, [newEvent('S0')], 'no_stream');
      const others = Array.from({ length: 4 }, () => stream('multi-own'));
      const results = await Promise.allSettled(
        others.map((own) =>
          store.appendToStreams([
            { streamName: own, events: [newEvent('Own')], expected: 'no_stream' },
            { streamName: shared, events: [newEvent('S1')], expected: 0 },
          ]),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const written = await Promise.all(others.map((own) => store.readStream(own)));
      expect(written.filter((events) => events.length > 0)).toHaveLength(1);
      expect(await store.readStream(shared)).toHaveLength(2);
    });
  });

  describe('when reading all events', () => {
    it('returns every stream in global order after an exclusive position', async () => {
      const start = await store.headPosition();
      const [a, b] = [stream('a'), stream('b')];
      await store.append(a, [newEvent('A1')], 'no_stream');
      await store.append(b, [newEvent('B1')], 'no_stream');
      const last = await store.append(a, [newEvent('A2')], 0);
      const all = (await store.readAll({ after: start, maxCount: 1000 })).filter((e) =>
        [a, b].includes(e.streamName),
      );
      expect(all.map((e) => e.type)).toEqual(['A1', 'B1', 'A2']);
      expect(all[2].position).toBe(last.position);
      const afterFirst = await store.readAll({ after: all[0].position, maxCount: 1000 });
      expect(afterFirst.map((e) => e.eventId)).not.toContain(all[0].eventId);
      expect(await store.headPosition()).toBeGreaterThanOrEqual(last.position);
    });

    it('ends no earlier than its last event, so no checkpoint is ever past the end', async () => {
      const { position } = await store.append(stream('end'), [newEvent('E')], 'no_stream');
      const [head, end] = await Promise.all([store.headPosition(), store.endPosition()]);
      expect(end).toBeGreaterThanOrEqual(head);
      expect(end).toBeGreaterThanOrEqual(position);
    });
  });

  describe('when reading all for some event types up to a position', () => {
    it('returns only those types within the range, and fewer than asked once the range is read', async () => {
      const s = stream('typed');
      const start = await store.headPosition();
      await store.append(s, [newEvent('Kept'), newEvent('Skipped'), newEvent('Kept')], 'no_stream');
      const { position: until } = await store.append(s, [newEvent('Skipped')], 2);
      await store.append(s, [newEvent('Kept')], 3); // past `until`
      const ours = (e: RecordedEvent) => e.streamName === s;

      const typed = await store.readAll({ after: start, maxCount: 1000, types: ['Kept'], until });
      expect(typed.filter(ours).map((e) => [e.type, e.revision])).toEqual([
        ['Kept', 0],
        ['Kept', 2],
      ]);
      expect(typed.every((e) => e.type === 'Kept' && e.position <= until)).toBe(true);
      const first = await store.readAll({ after: start, maxCount: 1, types: ['Kept'], until });
      expect(first).toHaveLength(1);
      const rest = await store.readAll({ after: first[0].position, maxCount: 1000, until });
      expect(rest.filter(ours).map((e) => e.revision)).toEqual([1, 2, 3]);
    });
  });

  describe('when subscribed to all from a checkpoint', () => {
    it('delivers catch-up then live events in order, and resumes with no gap and no duplicate', async () => {
      const s = stream('sub');
      const start = await store.headPosition();
      await store.append(s, [newEvent('E0'), newEvent('E1')], 'no_stream');

      const seen: RecordedEvent[] = [];
      const mine = (events: RecordedEvent[]) => events.filter((e) => e.streamName === s);
      const first = store.subscribeToAll({
        after: start,
        onEvents: async (events) => {
          seen.push(...mine(events));
        },
      });
      await waitFor(() => seen.length === 2);
      await store.append(s, [newEvent('E2')], 1);
      await waitFor(() => seen.length === 3);
      await first.stop();

      const checkpoint = seen[seen.length - 1].position;
      await store.append(s, [newEvent('E3'), newEvent('E4')], 2);
      const resumed: RecordedEvent[] = [];
      const second = store.subscribeToAll({
        after: checkpoint,
        maxBatch: 1,
        onEvents: async (events) => {
          resumed.push(...mine(events));
        },
      });
      await waitFor(() => resumed.length === 2);
      await store.append(s, [newEvent('E5')], 4);
      await waitFor(() => resumed.length === 3);
      await second.stop();

      expect([...seen, ...resumed].map((e) => e.type)).toEqual([
        'E0',
        'E1',
        'E2',
        'E3',
        'E4',
        'E5',
      ]);
    });

    it('delivers only the types asked for, catching up and then live', async () => {
      const s = stream('sub-typed');
      const start = await store.headPosition();
      await store.append(s, [newEvent('Kept'), newEvent('Skipped'), newEvent('Kept')], 'no_stream');
      const seen: RecordedEvent[] = [];
      const sub = store.subscribeToAll({
        after: start,
        maxBatch: 1,
        types: ['Kept'],
        onEvents: async (events) => {
          seen.push(...events);
        },
      });
      await waitFor(() => seen.filter((e) => e.streamName === s).length === 2);
      await store.append(s, [newEvent('Skipped'), newEvent('Skipped')], 2);
      await store.append(s, [newEvent('Kept')], 4);
      await waitFor(() => seen.filter((e) => e.streamName === s).length === 3);
      await sub.stop();
      expect(seen.every((e) => e.type === 'Kept')).toBe(true);
      expect(seen.filter((e) => e.streamName === s).map((e) => e.revision)).toEqual([0, 2, 5]);
    });

    it('moves a reader past events of other types with onSkipped, delivering none', async () => {
      const start = await store.headPosition();
      // More than a few of the server's search windows (32 events each on KurrentDB).
      const others = Array.from({ length: 100 }, () => newEvent('Other'));
      await store.append(stream('skipped'), others, 'no_stream');
      const skipped: bigint[] = [];
      let delivered = 0;
      const sub = store.subscribeToAll({
        after: start,
        types: [`Wanted-${randomUUID()}`],
        onEvents: async (events) => void (delivered += events.length),
        onSkipped: async (through) => void skipped.push(through),
      });
      await waitFor(() => skipped.length > 0, { message: 'a move past the other events' });
      await sub.stop();
      expect(delivered).toBe(0);
      expect(skipped[0]).toBeGreaterThan(start);
      expect(skipped.at(-1)!).toBeLessThanOrEqual(await store.headPosition());
      expect([...skipped].sort((a, b) => (a < b ? -1 : 1))).toEqual(skipped);
    });

    it('hands over at most maxBatch events a call, each once and in order', async () => {
      const s = stream('batched');
      const start = await store.headPosition();
      const types = Array.from({ length: 25 }, (_, i) => `E${i}`);
      await store.append(
        s,
        types.map((t) => newEvent(t)),
        'no_stream',
      );
      const sizes: number[] = [];
      const seen: string[] = [];
      const sub = store.subscribeToAll({
        after: start,
        maxBatch: 10,
        onEvents: async (events) => {
          sizes.push(events.length);
          seen.push(...events.filter((e) => e.streamName === s).map((e) => e.type));
        },
      });
      await waitFor(() => seen.length === types.length);
      await sub.stop();
      expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
      expect(seen).toEqual(types);
    });

    it('waits for each handler before delivering the next batch', async () => {
      const s = stream('slow');
      const start = await store.headPosition();
      await store.append(s, [newEvent('E0'), newEvent('E1'), newEvent('E2')], 'no_stream');
      let inFlight = 0;
      let maxInFlight = 0;
      let count = 0;
      const sub = store.subscribeToAll({
        after: start,
        maxBatch: 1,
        onEvents: async (events) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setImmediate(r));
          count += events.filter((e) => e.streamName === s).length;
          inFlight -= 1;
        },
      });
      await waitFor(() => count === 3);
      await sub.stop();
      expect(maxInFlight).toBe(1);
    });

    it('ends with the handler error', async () => {
      const start = await store.headPosition();
      await store.append(stream('boom'), [newEvent('E0')], 'no_stream');
      const sub = store.subscribeToAll({
        after: start,
        onEvents: async () => {
          throw new Error('handler failed');
        },
      });
      await expect(sub.done).rejects.toThrow('handler failed');
    });
  });
}
