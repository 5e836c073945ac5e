import type { AppendResult } from '../event-store.port';
import { CommitQueue, INLINE_PROBE_EVERY } from './commit-queue';
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

  describe('when the writer throws instead of answering', () => {
    it('fails that group’s appends and commits the next group, where it stopped for good', async () => {
      const { writer, release } = heldWriter();
      let throws = true;
      const throwingOnce: SqliteWriter = {
        commit: (requests) => {
          if (!throws) return writer.commit(requests);
          throws = false;
          return Promise.reject(new Error('disk I/O error'));
        },
        close: async () => undefined,
      };
      const queue = new CommitQueue(
        { inline: throwingOnce, thread: throwingOnce },
        () => undefined,
        () => undefined,
      );
      await expect(queue.enqueue(request('a'))).rejects.toThrow(
        'append to a failed: disk I/O error',
      );
      const next = queue.enqueue(request('b'));
      await new Promise((r) => setImmediate(r));
      release();
      await expect(next).resolves.toEqual([{ nextRevision: 0, position: 1n }]);
      await queue.drained();
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

  describe('when a lone append finds the write lock held by another connection', () => {
    it('commits it on the thread, which may wait for the lock', async () => {
      const took: string[] = [];
      const writer = (name: string, outcome: AppendOutcome): SqliteWriter => ({
        commit: async (requests) => (took.push(name), requests.map(() => outcome)),
        close: async () => undefined,
      });
      const queue = new CommitQueue(
        {
          inline: writer('inline', { failure: 'database is locked', locked: true }),
          thread: writer('thread', { ok: [{ nextRevision: 0, position: 1n }] }),
        },
        () => undefined,
        () => undefined,
      );
      await expect(queue.enqueue(request('s'))).resolves.toEqual([
        { nextRevision: 0, position: 1n },
      ]);
      expect(took).toEqual(['inline', 'thread']);
    });
  });

  describe('when lone appends meet a disk that turns slow and then fast again', () => {
    /** Inline commits that take `inlineMs` on a fake clock; which writer took each lone append. */
    function timedWriters() {
      let now = 0;
      let position = 0n;
      const state = { inlineMs: 0.3, took: [] as Array<'inline' | 'thread'> };
      const ok = (requests: AppendRequest[]) =>
        requests.map(() => ({ ok: [{ nextRevision: 0, position: (position += 1n) }] }));
      const writer = (name: 'inline' | 'thread'): SqliteWriter => ({
        commit: async (requests) => {
          state.took.push(name);
          if (name === 'inline') now += state.inlineMs;
          return ok(requests);
        },
        close: async () => undefined,
      });
      const queue = new CommitQueue(
        { inline: writer('inline'), thread: writer('thread') },
        () => undefined,
        () => undefined,
        () => now,
      );
      const lone = async (count: number) => {
        state.took = [];
        for (let i = 0; i < count; i += 1) await queue.enqueue(request(`s${i}`));
        return state.took;
      };
      return { state, lone };
    }

    it('keeps committing them inline through one slow commit (a checkpoint)', async () => {
      const { state, lone } = timedWriters();
      await lone(5);
      state.inlineMs = 12;
      await lone(1);
      state.inlineMs = 0.3;
      expect(await lone(10)).toEqual(Array(10).fill('inline'));
    });

    it('sends them to the thread once inline commits keep being slow, probing inline now and then', async () => {
      const { state, lone } = timedWriters();
      await lone(5);
      state.inlineMs = 5;
      expect(await lone(3)).toEqual(['inline', 'inline', 'inline']);
      const took = await lone(2 * INLINE_PROBE_EVERY);
      expect(took.filter((t) => t === 'inline')).toHaveLength(2);
      expect(took[INLINE_PROBE_EVERY - 1]).toBe('inline');
    });

    it('commits them inline again once the probes find the disk fast', async () => {
      const { state, lone } = timedWriters();
      state.inlineMs = 5;
      await lone(5);
      state.inlineMs = 0.3;
      await lone(3 * INLINE_PROBE_EVERY); // three fast probes outweigh the slow commits
      expect(await lone(10)).toEqual(Array(10).fill('inline'));
    });
  });
});
