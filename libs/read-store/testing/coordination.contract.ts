import { randomUUID } from 'node:crypto';
import { waitFor } from '../../testing/wait-for';
import {
  CheckpointConflictError,
  type CheckpointStore,
  type LeaseStore,
} from '../coordination.port';

export type CoordinationFactory = () => Promise<{
  store: CheckpointStore & LeaseStore;
  close: () => Promise<void>;
}>;

/** What every checkpoint and lease adapter promises. Names are unique so a shared server works. */
export function coordinationContract(open: CoordinationFactory): void {
  let subject: Awaited<ReturnType<CoordinationFactory>>;
  beforeEach(async () => {
    subject = await open();
  });
  afterEach(async () => {
    await subject.close();
  });
  const name = () => `test-${randomUUID()}`;

  describe('when a checkpoint was never saved', () => {
    it('loads as position 0 at version 0', async () => {
      expect(await subject.store.load(name())).toEqual({ position: 0n, version: 0 });
    });
  });

  describe('when a checkpoint is saved', () => {
    it('keeps 64-bit positions exactly and bumps the version', async () => {
      const n = name();
      const big = 2n ** 63n - 7n;
      const v1 = await subject.store.save(n, big, 0);
      expect(await subject.store.load(n)).toEqual({ position: big, version: v1 });
      const v2 = await subject.store.save(n, big + 1n, v1);
      expect(v2).toBeGreaterThan(v1);
    });

    it('refuses a save at a stale version, so a fenced-out writer cannot move it', async () => {
      const n = name();
      const v1 = await subject.store.save(n, 10n, 0);
      await subject.store.save(n, 20n, v1);
      await expect(subject.store.save(n, 15n, v1)).rejects.toBeInstanceOf(CheckpointConflictError);
      await expect(subject.store.save(n, 15n, 0)).rejects.toBeInstanceOf(CheckpointConflictError);
      expect((await subject.store.load(n)).position).toBe(20n);
    });

    it('lets exactly one of many simultaneous saves at one version win, first save or later', async () => {
      const n = name();
      for (const expected of [0, 1]) {
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            subject.store.save(n, BigInt(expected * 10 + i), expected),
          ),
        );
        const won = results.flatMap((r, i) =>
          r.status === 'fulfilled' ? [{ i, version: r.value }] : [],
        );
        expect(won).toHaveLength(1);
        for (const r of results)
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(CheckpointConflictError);
        expect(await subject.store.load(n)).toEqual({
          position: BigInt(expected * 10 + won[0].i),
          version: won[0].version,
        });
      }
    });
  });

  describe('when two owners compete for a lease', () => {
    it('gives it to one, lets the holder renew, and hands it over only after expiry or release', async () => {
      const n = name();
      expect(await subject.store.tryAcquire(n, 'a', 60_000)).toBe(true);
      expect(await subject.store.tryAcquire(n, 'b', 60_000)).toBe(false);
      expect(await subject.store.tryAcquire(n, 'a', 60_000)).toBe(true);
      await subject.store.release(n, 'b');
      expect(await subject.store.tryAcquire(n, 'b', 60_000)).toBe(false);
      await subject.store.release(n, 'a');
      expect(await subject.store.tryAcquire(n, 'b', 1)).toBe(true);
      await waitFor(() => subject.store.tryAcquire(n, 'a', 60_000), { message: 'lease expiry' });
    });

    it('counts a renewal’s TTL from the renewal, so the holder keeps it past the first TTL', async () => {
      const n = name();
      const gauge = name(); // taken just after, so free again only once the first lease is over
      expect(await subject.store.tryAcquire(n, 'a', 300)).toBe(true);
      expect(await subject.store.tryAcquire(gauge, 'a', 300)).toBe(true);
      expect(await subject.store.tryAcquire(n, 'a', 60_000)).toBe(true);
      await waitFor(() => subject.store.tryAcquire(gauge, 'b', 60_000), {
        message: 'the first TTL to pass',
      });
      expect(await subject.store.tryAcquire(n, 'b', 60_000)).toBe(false);
    });

    it('hands a lease not renewed to another owner once its TTL in milliseconds has passed', async () => {
      const n = name();
      expect(await subject.store.tryAcquire(n, 'a', 200)).toBe(true);
      // Seconds read as milliseconds would take 200 s.
      await waitFor(() => subject.store.tryAcquire(n, 'b', 60_000), {
        timeoutMs: 5_000,
        message: 'takeover after 200 ms',
      });
    });

    it('refuses the old owner’s renewal once another owner took over', async () => {
      const n = name();
      expect(await subject.store.tryAcquire(n, 'a', 200)).toBe(true);
      await waitFor(() => subject.store.tryAcquire(n, 'b', 60_000), { message: 'takeover' });
      expect(await subject.store.tryAcquire(n, 'a', 60_000)).toBe(false);
      expect(await subject.store.tryAcquire(n, 'b', 60_000)).toBe(true);
    });

    it('lets exactly one of many simultaneous claims win', async () => {
      const n = name();
      const wins = await Promise.all(
        Array.from({ length: 8 }, (_, i) => subject.store.tryAcquire(n, `o${i}`, 60_000)),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
    });
  });
}
