import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../../testing/wait-for';
import type { RecordedEvent } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';

const run = promisify(execFile);

describe('SqliteEventStore across processes', () => {
  describe('when another process appends to the same file', () => {
    it('wakes a live subscription without waiting for the fallback poll', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'events-xp-'));
      const path = join(dir, 'events.sqlite');
      // A fallback poll of a minute proves the wake-up comes from the file watch.
      const store = new SqliteEventStore(path, { crossProcessPollMs: 60_000 });
      const seen: RecordedEvent[] = [];
      const sub = store.subscribeToAll({ after: 0n, onEvents: async (e) => void seen.push(...e) });
      try {
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
        expect(seen[0].streamName).toBe('xp-1');
      } finally {
        await sub.stop();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
