import { RecentEvents } from './recent-events';
import type { AppendRequest } from './sqlite-group-commit';

/** One stream's append of `types`, and the result the store gave it. */
function committed(
  stream: string,
  lastPosition: bigint,
  lastRevision: number,
  types: string[],
  data = '{}',
) {
  const request: AppendRequest = {
    streams: [
      {
        stream,
        expected: 'any',
        events: types.map((type, i) => ({
          eventId: `${stream}-${i}`,
          type,
          data,
          metadata: '{}',
        })),
      },
    ],
  };
  return [request, [{ position: lastPosition, nextRevision: lastRevision }]] as const;
}

const positions = (rows: { 0: bigint }[] | undefined) => rows?.map((r) => r[0]);

describe('RecentEvents', () => {
  describe('when commits follow on from each other', () => {
    const recent = new RecentEvents();
    recent.add(...committed('a', 2n, 1, ['A1', 'A2']));
    recent.add(...committed('b', 3n, 0, ['B1']));

    it('serves a read from inside the tail with every event after it', () => {
      const read = recent.read({ after: 1n, maxCount: 10 });
      expect(positions(read?.rows)).toEqual([2n, 3n]);
      expect(read?.rows[0]).toEqual([2n, 'a', 1n, 'a-1', 'A2', '{}', '{}']);
    });

    it('asks the store to read on past the tail, where another process may have written', () => {
      expect(recent.read({ after: 1n, maxCount: 10 })?.readOnFrom).toBe(3n);
    });

    it('needs no more reading once the batch is full or reaches until', () => {
      expect(recent.read({ after: 0n, maxCount: 2 })).toEqual(
        expect.objectContaining({ readOnFrom: undefined }),
      );
      expect(recent.read({ after: 0n, maxCount: 10, until: 2n })?.readOnFrom).toBeUndefined();
      expect(positions(recent.read({ after: 0n, maxCount: 10, until: 2n })?.rows)).toEqual([
        1n,
        2n,
      ]);
    });

    it('keeps only the wanted types', () => {
      expect(
        positions(recent.read({ after: 0n, maxCount: 10, types: ['B1', 'A1'] })?.rows),
      ).toEqual([1n, 3n]);
    });

    it('leaves reads before the tail or at its end to the file', () => {
      expect(recent.read({ after: 3n, maxCount: 10 })).toBeUndefined();
      expect(recent.read({ after: 7n, maxCount: 10 })).toBeUndefined();
    });
  });

  describe('when another process wrote between two commits', () => {
    it('starts afresh after the gap, so nothing it wrote is skipped', () => {
      const recent = new RecentEvents();
      recent.add(...committed('a', 2n, 1, ['A1', 'A2']));
      recent.add(...committed('b', 5n, 0, ['B1']));
      expect(recent.read({ after: 2n, maxCount: 10 })).toBeUndefined();
      expect(positions(recent.read({ after: 4n, maxCount: 10 })?.rows)).toEqual([5n]);
    });
  });

  describe('when more is committed than it holds', () => {
    it('drops the oldest events and leaves reading them to the file', () => {
      const recent = new RecentEvents(2);
      for (let p = 1n; p <= 5n; p++) recent.add(...committed(`s${p}`, p, 0, ['E']));
      expect(recent.read({ after: 0n, maxCount: 10 })).toBeUndefined();
      expect(positions(recent.read({ after: 3n, maxCount: 10 })?.rows)).toEqual([4n, 5n]);
    });
  });

  describe('when the events are large', () => {
    it('holds fewer of them, so their data stays within its budget', () => {
      const recent = new RecentEvents(10, 100);
      const big = `{"text":"${'x'.repeat(50)}"}`; // 61 characters, with 2 of metadata
      for (let p = 1n; p <= 4n; p++) recent.add(...committed(`s${p}`, p, 0, ['E'], big));
      expect(recent.read({ after: 2n, maxCount: 10 })).toBeUndefined();
      expect(positions(recent.read({ after: 3n, maxCount: 10 })?.rows)).toEqual([4n]);
    });
  });
});
