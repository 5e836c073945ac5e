import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../testing/wait-for';
import { eventStoreContract, newEvent } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';

describe('SqliteEventStore', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  eventStoreContract(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'events-'));
    dirs.push(dir);
    return new SqliteEventStore(join(dir, 'events.sqlite'));
  });
});

describe('SqliteEventStore subscription with types', () => {
  describe('when only events of other types are appended', () => {
    it('reports the position it read through, without delivering them', async () => {
      const store = new SqliteEventStore(':memory:');
      const skipped: bigint[] = [];
      const delivered: string[] = [];
      const sub = store.subscribeToAll({
        after: 0n,
        types: ['Wanted'],
        onEvents: async (events) => void delivered.push(...events.map((e) => e.type)),
        onSkipped: async (through) => void skipped.push(through),
      });
      const { position } = await store.append('s-1', [newEvent('Other'), newEvent('Other')], 'any');
      await waitFor(() => skipped.includes(position));
      await store.append('s-1', [newEvent('Wanted')], 'any');
      await waitFor(() => delivered.length === 1);
      await sub.stop();
      await store.close();
      expect(delivered).toEqual(['Wanted']);
    });
  });
});
