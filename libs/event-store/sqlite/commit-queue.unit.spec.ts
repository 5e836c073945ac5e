import type { AppendResult } from '../event-store.port';
import { CommitQueue } from './commit-queue';
import type { AppendOutcome, AppendRequest } from './sqlite-group-commit';
import type { SqliteWriter } from './sqlite-writer';

const request = (stream: string): AppendRequest => ({
  streams: [
    {
      stream,
      expected: 'any',
      events: [{ eventId: stream, type: 'E', data: '{}', metadata: '{}' }],
    },
  ],
});

/** A writer whose commits wait until the test lets them through; records each group's size. */
function heldWriter() {
  const groups: number[] = [];
  const held: Array<() => void> = [];
  let position = 0n;
  const writer: SqliteWriter = {
    commit: (requests) => {
      groups.push(requests.length);
      return new Promise<AppendOutcome[]>((resolve) =>
        held.push(() =>
          resolve(requests.map(() => ({ ok: [{ nextRevision: 0, position: (position += 1n) }] }))),
        ),
      );
    },
    close: async () => undefined,
  };
  return { writer, groups, release: () => held.shift()?.() };
}

describe('CommitQueue', () => {
  describe('when appends arrive while a group is committing', () => {
    it('commits them together as the next group, and tells each caller its result', async () => {
      const { writer, groups, release } = heldWriter();
      const committed: AppendResult[][] = [];
      const queue = new CommitQueue(
        { inline: writer, thread: writer },
        (_request, results) => committed.push(results),
        () => undefined,
      );
      const first = queue.enqueue(request('a'));
      await new Promise((r) => setImmediate(r)); // the first group leaves
      const later = ['b', 'c', 'd'].map((s) => queue.enqueue(request(s)));
      release();
      await first;
      await new Promise((r) => setImmediate(r));
      release();
      const results = await Promise.all(later);
      expect(groups).toEqual([1, 3]);
      expect(results.map(([r]) => r.position)).toEqual([2n, 3n, 4n]);
      expect(committed).toHaveLength(4);
    });
  });

  describe('when two callers wait for it to drain', () => {
    it('tells both once the appends already accepted are committed', async () => {
      const { writer, release } = heldWriter();
      const queue = new CommitQueue(
        { inline: writer, thread: writer },
        () => undefined,
        () => undefined,
      );
      const append = queue.enqueue(request('a'));
      await new Promise((r) => setImmediate(r));
      const drained = [queue.drained(), queue.drained()];
      release();
      await append;
      await Promise.all(drained);
    });
  });
});
