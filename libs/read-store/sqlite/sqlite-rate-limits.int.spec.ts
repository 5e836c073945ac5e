import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { rateLimitsContract } from '../../platform/rate-limit/testing/rate-limits.contract';
import { SqliteRateLimits } from './sqlite-rate-limits';

describe('SqliteRateLimits', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'rate-limits-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Two connections to one file, as two processes sharing DATA_DIR hold.
  rateLimitsContract(async () => {
    const path = join(dir, 'rate-limits.sqlite');
    const instances: [SqliteRateLimits, SqliteRateLimits] = [
      new SqliteRateLimits(path),
      new SqliteRateLimits(path),
    ];
    return { instances, close: async () => instances.forEach((s) => s.close()) };
  });

  describe('when threads with their own connections race on one key', () => {
    // Each thread takes as fast as it can once both are ready; only the file is shared.
    const racer = `
      require('@swc-node/register');
      const { workerData, parentPort } = require('node:worker_threads');
      const { SqliteRateLimits } = require(workerData.module);
      const store = new SqliteRateLimits(workerData.path);
      const ready = new Int32Array(workerData.ready);
      Atomics.add(ready, 0, 1);
      while (Atomics.load(ready, 0) < 2) Atomics.wait(ready, 0, Atomics.load(ready, 0), 5);
      (async () => {
        let taken = 0;
        for (let i = 0; i < 400; i += 1) {
          if ((await store.take('raced', 500, 60000, 1)).taken) taken += 1;
        }
        store.close();
        parentPort.postMessage(taken);
      })();`;

    it('lets exactly the limit through', async () => {
      const ready = new SharedArrayBuffer(4);
      const workerData = {
        module: require.resolve('./sqlite-rate-limits'),
        path: join(dir, 'race.sqlite'),
        ready,
      };
      const taken = await Promise.all(
        [0, 1].map(
          () =>
            new Promise<number>((resolve, reject) => {
              const worker = new Worker(racer, { eval: true, workerData });
              worker.once('message', resolve);
              worker.once('error', reject);
            }),
        ),
      );
      expect(taken[0] + taken[1]).toBe(500);
      expect(Math.min(...taken)).toBeGreaterThan(0);
    });
  });

  describe('when closed windows pile up', () => {
    it('sweeps them as takes go on, keeping the open ones', async () => {
      const store = new SqliteRateLimits(join(dir, 'sweep.sqlite'));
      try {
        for (let i = 0; i < 999; i += 1) await store.take(`old-${i}`, 1, 1_000, 0);
        await store.take('open', 1, 60_000, 5_000); // the 1,000th take sweeps
        expect(store.size).toBe(1);
        expect(await store.take('open', 1, 60_000, 5_001)).toEqual(
          expect.objectContaining({ taken: false }),
        );
      } finally {
        store.close();
      }
    });
  });
});
