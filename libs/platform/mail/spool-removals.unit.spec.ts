import { waitFor } from '../../testing/wait-for';
import type { MailSpool, SpoolPlace } from './mail-spool';
import { spoolRemovals } from './spool-removals';

/** A spool holding rows 1–3 whose next `failures` removals fail, as a thread being restarted does. */
function failingSpool(failures: number) {
  const rows = new Set([1, 2, 3]);
  const spool: MailSpool & { failures: number } = {
    failures,
    save: async () => 0,
    async remove(place: SpoolPlace) {
      if (spool.failures > 0) {
        spool.failures -= 1;
        throw new Error('mail-spool thread exited (1)');
      }
      if ('id' in place) rows.delete(place.id);
    },
    pending: async () => [],
    close: async () => undefined,
  };
  return { spool, rows };
}

function removalsOf(spool: MailSpool) {
  const told: Array<number | undefined> = [];
  const removals = spoolRemovals(spool, (_error, retryInMs) => told.push(retryInMs));
  return { removals, told };
}

describe('spool removals', () => {
  describe('when removals fail', () => {
    it('tries them again together after a wait, and says so once', async () => {
      const { spool, rows } = failingSpool(2);
      const { removals, told } = removalsOf(spool);
      removals.remove({ id: 1 });
      removals.remove({ id: 2 });
      await waitFor(() => rows.size === 1, { message: 'both removed on the later try' });
      expect(told).toEqual([1000]);
      expect([...rows]).toEqual([3]);
    });
  });

  describe('when removals still wait for their next try as the queue closes', () => {
    it('tries them at once rather than leaving them for the next run', async () => {
      const { spool, rows } = failingSpool(1);
      const { removals, told } = removalsOf(spool);
      removals.remove({ id: 1 });
      await waitFor(() => told.length === 1, { message: 'the failure' });
      await removals.flush();
      expect([...rows]).toEqual([2, 3]);
      expect(told).toEqual([1000]);
    });

    it('says what is left when the last try fails too', async () => {
      const { spool, rows } = failingSpool(2);
      const { removals, told } = removalsOf(spool);
      removals.remove({ id: 1 });
      await removals.flush();
      expect([...rows]).toEqual([1, 2, 3]);
      expect(told).toEqual([undefined]); // closing: no wait was planned
    });
  });

  describe('when a removal is under way as the queue closes', () => {
    it('waits for it', async () => {
      const { spool, rows } = failingSpool(0);
      let answer!: () => void;
      const remove = spool.remove;
      spool.remove = async (place) => {
        await new Promise<void>((resolve) => (answer = resolve));
        return remove(place);
      };
      const { removals } = removalsOf(spool);
      removals.remove({ id: 1 });
      let flushed = false;
      const flushing = removals.flush().then(() => (flushed = true));
      await new Promise((r) => setImmediate(r));
      expect(flushed).toBe(false);
      answer();
      await flushing;
      expect([...rows]).toEqual([2, 3]);
    });
  });
});
