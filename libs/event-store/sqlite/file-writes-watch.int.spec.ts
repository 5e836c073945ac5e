import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../testing/wait-for';
import { FileWritesWatch } from './file-writes-watch';

describe('FileWritesWatch', () => {
  describe('when the file or its -wal is written', () => {
    it('looks soon after, once for a burst of writes and once more when they settle', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'watch-'));
      const path = join(dir, 'events.sqlite');
      let looks = 0;
      const watch = new FileWritesWatch(path, () => (looks += 1), fail, 5, 50);
      try {
        for (let i = 0; i < 20; i++) appendFileSync(`${path}-wal`, 'page');
        await waitFor(() => looks >= 2, { timeoutMs: 5_000, message: 'two looks' });
        expect(looks).toBeLessThan(20);
      } finally {
        watch.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when the directory cannot be watched', () => {
    it('says why once, and the store goes on with its poll', () => {
      const failures: Error[] = [];
      const watch = new FileWritesWatch(
        join(tmpdir(), `missing-${process.pid}-${Date.now()}`, 'events.sqlite'),
        () => undefined,
        (error) => failures.push(error),
      );
      watch.close();
      expect(failures).toHaveLength(1);
      expect(failures[0].message).toMatch(/ENOENT/);
    });
  });
});

function fail(error: Error): never {
  throw error;
}
