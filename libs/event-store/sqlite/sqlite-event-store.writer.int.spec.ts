import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEvent } from '../testing/event-store.contract';
import { WrongExpectedRevisionError } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';

describe('SqliteEventStore group commit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'events-group-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('when many appends arrive together', () => {
    it('commits them through the writer thread with one outcome each, conflicts failing alone', async () => {
      const store = new SqliteEventStore(join(dir, 'a.sqlite'));
      await store.append('shared', [newEvent('First')], 'no_stream');
      const results = await Promise.allSettled([
        ...Array.from({ length: 50 }, (_, i) =>
          store.append(`s-${i}`, [newEvent('E')], 'no_stream'),
        ),
        store.append('shared', [newEvent('Stale')], 'no_stream'),
      ]);
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      const positions = results.flatMap((r) =>
        r.status === 'fulfilled' ? [r.value.position] : [],
      );
      expect(new Set(positions).size).toBe(50);
      expect(await store.headPosition()).toBe(51n);
      await store.close();
    });
  });

  describe('when the store closes with appends in flight', () => {
    it('finishes them first, so a reopened store has them all', async () => {
      const path = join(dir, 'b.sqlite');
      const store = new SqliteEventStore(path);
      const appends = Array.from({ length: 20 }, (_, i) =>
        store.append(`c-${i}`, [newEvent('E')], 'no_stream'),
      );
      const closing = store.close();
      await Promise.all(appends);
      await closing;
      const reopened = new SqliteEventStore(path);
      expect(await reopened.headPosition()).toBe(20n);
      await reopened.close();
    });
  });
});
