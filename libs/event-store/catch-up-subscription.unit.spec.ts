import { EventEmitter } from 'node:events';
import { catchUpSubscription, type CatchUpSource } from './catch-up-subscription';
import type { RecordedEvent } from './event-store.port';

/** An in-memory source that counts its reads and wakes waiters on append. */
function memorySource() {
  const events: RecordedEvent[] = [];
  const appended = new EventEmitter();
  let appends = 0;
  let reads = 0;
  const spans: bigint[] = [];
  const source: CatchUpSource = {
    async read({ after, maxCount, types, until }) {
      reads += 1;
      if (until !== undefined) spans.push(until - after);
      return events
        .filter((e) => e.position > after && (until === undefined || e.position <= until))
        .filter((e) => !types || types.includes(e.type))
        .slice(0, maxCount);
    },
    head: async () => events.at(-1)?.position ?? 0n,
    appends: () => appends,
    waitForAppend: (signal, seen) =>
      appends !== seen
        ? Promise.resolve()
        : new Promise((resolve) => {
            appended.once('append', resolve);
            signal.addEventListener('abort', () => resolve(), { once: true });
          }),
  };
  const append = (type = 'Happened') => {
    const position = BigInt(events.length + 1);
    events.push({
      streamName: `s-${position}`,
      revision: 0,
      position,
      eventId: `e-${position}`,
      type,
      data: {},
      metadata: {
        correlationId: 'c',
        causationId: 'c',
        actor: 'test',
        occurredAt: '2026-11-27T00:00:00.000Z',
      },
    });
    appends += 1;
    appended.emit('append');
  };
  return { source, append, reads: () => reads, spans };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

describe('catchUpSubscription', () => {
  describe('when it has caught up', () => {
    it('reads once per append, not once more to find nothing', async () => {
      const { source, append, reads } = memorySource();
      const seen: bigint[] = [];
      const sub = catchUpSubscription(source, {
        after: 0n,
        onEvents: async (events) => void seen.push(...events.map((e) => e.position)),
      });
      await until(() => reads() === 1);
      append();
      await until(() => seen.length === 1);
      append();
      await until(() => seen.length === 2);
      await new Promise((r) => setImmediate(r));
      expect(reads()).toBe(3);
      await sub.stop();
    });
  });

  describe('when events are appended while the handler runs', () => {
    it('reads them next, without waiting for a further append', async () => {
      const { source, append } = memorySource();
      const seen: bigint[] = [];
      const sub = catchUpSubscription(source, {
        after: 0n,
        onEvents: async (events) => {
          if (seen.length === 0) append(); // lands after the read that delivered these
          seen.push(...events.map((e) => e.position));
        },
      });
      append();
      await until(() => seen.length === 2);
      expect(seen).toEqual([1n, 2n]);
      await sub.stop();
    });
  });

  describe('when it reads some types only', () => {
    it('moves past the others and waits for the next append', async () => {
      const { source, append, reads } = memorySource();
      const skipped: bigint[] = [];
      const sub = catchUpSubscription(source, {
        after: 0n,
        types: ['Wanted'],
        onEvents: async () => undefined,
        onSkipped: async (through) => void skipped.push(through),
      });
      await until(() => reads() === 1);
      append('Other');
      await until(() => skipped.length === 1);
      await new Promise((r) => setImmediate(r));
      expect(skipped).toEqual([1n]);
      expect(reads()).toBe(2);
      await sub.stop();
    });
  });

  describe('when a batch is full', () => {
    it('reads the rest at once', async () => {
      const { source, append } = memorySource();
      for (let i = 0; i < 5; i++) append();
      const batches: number[] = [];
      const sub = catchUpSubscription(source, {
        after: 0n,
        maxBatch: 2,
        onEvents: async (events) => void batches.push(events.length),
      });
      await until(() => batches.reduce((a, b) => a + b, 0) === 5);
      expect(batches).toEqual([2, 2, 1]);
      await sub.stop();
    });
  });

  describe('when it reads rare types over a long run of others', () => {
    it('looks over a span at a time, going on at once until it reaches the head', async () => {
      const { source, append, spans } = memorySource();
      source.scanSpan = 10n;
      append('Wanted');
      for (let i = 0; i < 100; i++) append();
      append('Wanted');
      const seen: bigint[] = [];
      const sub = catchUpSubscription(source, {
        after: 0n,
        types: ['Wanted'],
        onEvents: async (events) => void seen.push(...events.map((e) => e.position)),
      });
      await until(() => seen.length === 2);
      await sub.stop();
      expect(seen).toEqual([1n, 102n]);
      expect(spans.every((span) => span <= 10n)).toBe(true);
    });
  });
});
