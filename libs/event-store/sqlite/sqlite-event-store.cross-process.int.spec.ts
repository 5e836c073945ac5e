import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../../testing/wait-for';
import type { RecordedEvent } from '../event-store.port';
import { newEvent } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';

const run = promisify(execFile);

describe('SqliteEventStore across processes', () => {
  describe('when the file cannot be read as its watch fires', () => {
    it('wakes the readers, which meet the failure themselves, rather than ending the process', () => {
      const store = new SqliteEventStore(':memory:');
      const unreadable = store as unknown as { fileHead(): bigint; wakeIfForeign(): void };
      unreadable.fileHead = () => {
        throw new Error('disk I/O error');
      };
      let woken = 0;
      (store as unknown as { appended: NodeJS.EventEmitter }).appended.on('append', () => woken++);
      expect(() => unreadable.wakeIfForeign()).not.toThrow();
      expect(woken).toBe(1);
      return store.close();
    });
  });

  describe('when another process appends to the same file', () => {
    it('wakes a live subscription without waiting for the fallback poll, after its own appends too', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'events-xp-'));
      const path = join(dir, 'events.sqlite');
      // A fallback poll of a minute proves the wake-up comes from the file watch.
      const store = new SqliteEventStore(path, { crossProcessPollMs: 60_000 });
      const seen: RecordedEvent[] = [];
      const sub = store.subscribeToAll({ after: 0n, onEvents: async (e) => void seen.push(...e) });
      try {
        // Its own events are held in memory: the watch must still tell the child's apart.
        await store.append('mine', [newEvent('Mine')], 'no_stream');
        await waitFor(() => seen.length === 1, { message: 'own event' });
        await run(process.execPath, [
          '-r',
          '@swc-node/register',
          join(__dirname, 'append-in-child.fixture.ts'),
          path,
          'xp-1',
        ]);
        await waitFor(() => seen.some((e) => e.type === 'FromChild'), {
          timeoutMs: 15_000,
          message: 'event from child',
        });
        expect(seen.map((e) => e.streamName)).toEqual(['mine', 'xp-1']);
      } finally {
        await sub.stop();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
