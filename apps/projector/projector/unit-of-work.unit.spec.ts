import type { InvitationRefRow } from '../../../libs/read-store/read-models.port';
import { RowTable } from './unit-of-work';

const ref = (invitationId: string, position: bigint, vendorId = 'vendor-1'): InvitationRefRow => ({
  invitationId,
  vendorId,
  customerNumber: null,
  position,
});

function table(stored: InvitationRefRow[] = [], allKnown = false) {
  const loads: string[][] = [];
  const rows = new RowTable<string, InvitationRefRow>(
    (id) => id,
    (r) => r.invitationId,
    async (ids) => {
      loads.push(ids);
      return stored.filter((r) => ids.includes(r.invitationId));
    },
    allKnown,
  );
  return { rows, loads };
}

describe('RowTable', () => {
  describe('when an event fails after putting rows', () => {
    it('takes back every put of that event and keeps what earlier events changed', async () => {
      const { rows } = table([ref('a', 1n)]);
      await rows.prefetch(['a']);
      rows.put(ref('a', 2n));
      rows.keep(); // an earlier event, applied

      rows.put(ref('a', 3n));
      rows.put(ref('b', 3n)); // new to the table
      rows.put(ref('a', 4n)); // the same row twice in one event
      rows.discard();

      expect(await rows.get('a')).toEqual(ref('a', 2n));
      expect(rows.changes()).toEqual([ref('a', 2n)]);
      expect(rows.size).toBe(1);
    });

    it('leaves a row that only that event changed unchanged and out of the commit', async () => {
      const { rows } = table([ref('a', 1n)]);
      await rows.prefetch(['a']);
      rows.put(ref('a', 2n));
      rows.discard();

      expect(await rows.get('a')).toEqual(ref('a', 1n));
      expect(rows.changes()).toEqual([]);
    });
  });

  describe('when changes are committed', () => {
    it('carries only what changes after the commit', () => {
      const { rows } = table([], true);
      rows.put(ref('a', 1n));
      rows.put(ref('b', 1n));
      rows.keep();
      rows.committed();
      rows.put(ref('b', 2n));
      rows.keep();

      expect(rows.changes()).toEqual([ref('b', 2n)]);
    });
  });

  describe('when every row is in memory', () => {
    it('answers at once and reads nothing back', () => {
      const { rows, loads } = table([ref('a', 1n)], true);
      expect(rows.get('a')).toBeUndefined();
      expect(loads).toEqual([]);
    });
  });

  describe('when a row is not in memory', () => {
    it('reads it once, then answers at once', async () => {
      const { rows, loads } = table([ref('a', 1n)]);
      expect(await rows.get('a')).toEqual(ref('a', 1n));
      expect(rows.get('a')).toEqual(ref('a', 1n));
      expect(loads).toEqual([['a']]);
    });
  });

  describe('when a row is forgotten', () => {
    it('reads as absent without a read', async () => {
      const { rows, loads } = table([ref('a', 1n)]);
      rows.forget('a');
      expect(rows.get('a')).toBeUndefined();
      expect(loads).toEqual([]);
    });
  });
});
