import { AppError } from '../../../libs/platform/errors/app-error';
import type {
  ProjectionStore,
  ProjectionVersionState,
} from '../../../libs/read-store/read-models.port';
import { ProjectionProgress } from '../projector/progress';
import { ReadYourWrites } from './read-your-writes';

function fixture(timeoutMs: number, recheckMs = 60_000) {
  const positions: Record<string, bigint> = { a: 5n, b: 5n };
  let reads = 0;
  const store = {
    projectionStates: async (): Promise<ProjectionVersionState[]> => {
      reads += 1;
      return Object.entries(positions).map(([projection, position]) => ({
        projection,
        version: 1,
        state: 'active',
        position,
        lastEventAt: null,
        updatedAt: null,
        parkedEvents: 0,
      }));
    },
  } as unknown as ProjectionStore;
  const progress = new ProjectionProgress();
  const events = {
    head: 10n,
    end: 10n,
    headPosition: async () => events.head,
    endPosition: async () => events.end,
  };
  const ryw = new ReadYourWrites(store, events, progress, { timeoutMs, recheckMs });
  return { positions, progress, ryw, store, events, reads: () => reads };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('read-your-writes', () => {
  describe('when the projection has reached the position', () => {
    it('answers at once', async () => {
      const { ryw } = fixture(1000);
      await expect(ryw.reach(5n, 'a')).resolves.toBeUndefined();
      await expect(ryw.reach(undefined, 'a')).resolves.toBeUndefined();
    });
  });

  describe('when the checkpoint is past the store’s last event', () => {
    it('answers 503 projection_lagging, not a read model that misses the write', async () => {
      const { ryw, events } = fixture(1000);
      events.end = 3n;
      await expect(ryw.reach(2n, 'a')).rejects.toMatchObject({
        code: 'projection_lagging',
        extra: { minPosition: '2', lagging: [{ name: 'a', position: '5' }] },
      });
    });

    it('answers as usual when the store’s last record cannot be read at once', async () => {
      const { ryw, events } = fixture(1000);
      events.endPosition = () => Promise.reject(new Error('store down'));
      await expect(ryw.reach(5n, 'a')).resolves.toBeUndefined();
    });

    it('reads the store’s end no more once it has seen the checkpoints within it', async () => {
      const { ryw, events } = fixture(1000);
      let reads = 0;
      events.endPosition = async () => (reads++, events.end);
      await ryw.reach(5n, 'a');
      events.endPosition = () => (reads++, new Promise(() => undefined)); // hangs from now on
      await expect(ryw.reach(5n, 'b')).resolves.toBeUndefined();
      expect(reads).toBe(1);
    });
  });

  describe('when the projection is behind', () => {
    it('wakes on the projector commits, not on a timer, and answers once it has caught up', async () => {
      const { ryw, positions, progress } = fixture(600_000);
      const waiting = ryw.reach(7n, 'a');
      let done = false;
      void waiting.then(() => (done = true));
      await turns(2);
      positions.a = 6n;
      progress.committed('a', 1, 6n);
      await turns(3);
      expect(done).toBe(false);
      positions.a = 7n;
      progress.committed('a', 1, 7n);
      await waiting;
    });

    it('waits only for the projection its query reads', async () => {
      // The other projection is stuck behind: it does not hold this query back.
      const { ryw, positions, progress } = fixture(600_000);
      const waiting = ryw.reach(7n, 'a');
      await turns(2);
      positions.a = 7n;
      progress.committed('a', 1, 7n);
      await expect(waiting).resolves.toBeUndefined();
    });

    it('does not miss a commit made while its first read runs', async () => {
      const { ryw, positions, progress, store } = fixture(600_000);
      const read = store.projectionStates.bind(store);
      let first = true;
      store.projectionStates = async () => {
        const states = await read();
        if (first) {
          first = false;
          positions.a = 7n;
          progress.committed('a', 1, 7n);
        }
        return states;
      };
      await expect(ryw.reach(7n, 'a')).resolves.toBeUndefined();
    });

    it('is still woken by commits while the app closes, until its server has closed', async () => {
      const { ryw, positions, progress } = fixture(600_000);
      const waiting = ryw.reach(7n, 'a');
      await turns(2);
      // Nest calls these before it closes the HTTP server, which waits for this query.
      const hooks = ryw as unknown as Record<string, (() => void) | undefined>;
      hooks.onModuleDestroy?.();
      hooks.beforeApplicationShutdown?.();
      positions.a = 7n;
      progress.committed('a', 1, 7n);
      await expect(waiting).resolves.toBeUndefined();
    });

    it('answers once a re-check finds it caught up by a projector in another process', async () => {
      // No commit of this process wakes it, and the bound is far off: only the re-check can.
      const { ryw, positions } = fixture(600_000, 20);
      const waiting = ryw.reach(7n, 'a');
      await turns(2);
      positions.a = 7n;
      await expect(waiting).resolves.toBeUndefined();
    });

    it('reads the projection states once per commit, however many queries wait', async () => {
      const { ryw, positions, progress, reads } = fixture(600_000);
      const waiting = Array.from({ length: 200 }, () => ryw.reach(9n, 'a'));
      await turns(3);
      const before = reads();
      for (const position of [6n, 7n, 8n]) {
        positions.a = position;
        progress.committed('a', 1, position);
        await turns(3);
      }
      positions.a = 9n;
      progress.committed('a', 1, 9n);
      await Promise.all(waiting);
      expect(reads() - before).toBe(4);
    });

    it('gives up after the bound with projection_lagging, naming its projection', async () => {
      const { ryw } = fixture(50);
      const error = await ryw.reach(6n, 'b').catch((e) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({
        kind: 'unavailable',
        code: 'projection_lagging',
        extra: { minPosition: '6', lagging: [{ name: 'b', position: '5' }] },
      });
    });
  });

  describe('when the position is past the last event of the store', () => {
    it('gives up after the bound with 400 invalid_min_position, not a 503 to retry', async () => {
      const { ryw } = fixture(50);
      const error = await ryw.reach(11n, 'a').catch((e) => e);
      expect(error).toMatchObject({ kind: 'invalid', code: 'invalid_min_position' });
      expect(error.message).toContain('(10)');
    });

    it('answers 503 projection_lagging when the store cannot say where its head is', async () => {
      const { ryw, events } = fixture(50);
      events.headPosition = () => Promise.reject(new Error('store down'));
      const error = await ryw.reach(11n, 'a').catch((e) => e);
      expect(error).toMatchObject({ code: 'projection_lagging' });
    });

    it('answers 503 projection_lagging within a second when the store does not answer', async () => {
      jest.useFakeTimers();
      try {
        const { ryw, events } = fixture(50);
        events.headPosition = () => new Promise(() => undefined);
        const answer = ryw.reach(11n, 'a').catch((e) => e);
        await jest.advanceTimersByTimeAsync(1_050);
        expect(await answer).toMatchObject({ code: 'projection_lagging' });
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('when the read models fail while queries wait', () => {
    it('fails each waiting query with the error', async () => {
      const { ryw, progress } = fixture(600_000);
      const store = (ryw as unknown as { store: ProjectionStore }).store;
      const waiting = [ryw.reach(7n, 'a'), ryw.reach(8n, 'b')].map((p) => p.catch((e) => e));
      await turns(2);
      const failure = new Error('read models down');
      store.projectionStates = () => Promise.reject(failure);
      progress.committed('a', 1, 6n);
      expect(await Promise.all(waiting)).toEqual([failure, failure]);
    });
  });
});
