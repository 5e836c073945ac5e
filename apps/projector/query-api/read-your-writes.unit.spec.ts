import { AppError } from '../../../libs/platform/errors/app-error';
import type {
  ProjectionStore,
  ProjectionVersionState,
} from '../../../libs/read-store/read-models.port';
import { ProjectionProgress } from '../projector/progress';
import { ReadYourWrites } from './read-your-writes';

function fixture(timeoutMs: number, recheckMs = 60_000) {
  const positions: Record<string, bigint> = { a: 5n, b: 5n };
  const store = {
    projectionStates: async (): Promise<ProjectionVersionState[]> =>
      Object.entries(positions).map(([projection, position]) => ({
        projection,
        version: 1,
        state: 'active',
        position,
        lastEventAt: null,
        updatedAt: null,
        parkedEvents: 0,
      })),
  } as unknown as ProjectionStore;
  const progress = new ProjectionProgress();
  const ryw = new ReadYourWrites(store, progress, {
    projections: ['a', 'b'],
    timeoutMs,
    recheckMs,
  });
  return { positions, progress, ryw };
}

describe('read-your-writes', () => {
  describe('when every projection has reached the position', () => {
    it('answers at once', async () => {
      const { ryw } = fixture(1000);
      await expect(ryw.reach(5n)).resolves.toBeUndefined();
      await expect(ryw.reach(undefined)).resolves.toBeUndefined();
    });
  });

  describe('when a projection is behind', () => {
    it('wakes on the projector commits, not on a timer, and answers once all have caught up', async () => {
      const { ryw, positions, progress } = fixture(10_000);
      const started = Date.now();
      const waiting = ryw.reach(7n);
      let done = false;
      void waiting.then(() => (done = true));
      await new Promise((r) => setImmediate(r));
      positions.a = 7n;
      progress.committed('a', 1, 7n);
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      expect(done).toBe(false);
      positions.b = 9n;
      progress.committed('b', 1, 9n);
      await waiting;
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('answers once a re-check finds them caught up by a projector in another process', async () => {
      // No commit of this process wakes it, and the bound is far off: only the re-check can.
      const { ryw, positions } = fixture(600_000, 20);
      const waiting = ryw.reach(7n);
      await new Promise((r) => setImmediate(r));
      positions.a = 7n;
      positions.b = 7n;
      await expect(waiting).resolves.toBeUndefined();
    });

    it('gives up after the bound with projection_lagging, naming who lags', async () => {
      const { ryw } = fixture(50);
      const error = await ryw.reach(6n).catch((e) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({
        kind: 'unavailable',
        code: 'projection_lagging',
        extra: {
          minPosition: '6',
          lagging: [
            { name: 'a', position: '5' },
            { name: 'b', position: '5' },
          ],
        },
      });
    });
  });
});
