import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { newEvent } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';

describe('SqliteEventStore reading a stream’s last event', () => {
  let dir: string;
  let stores: SqliteEventStore[];
  const open = () => {
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    stores.push(store);
    return store;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'events-last-'));
    stores = [];
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('when another store on the same file appended last', () => {
    it('reads that event, which this store never held', async () => {
      const [mine, theirs] = [open(), open()];
      await mine.append('s-1', [newEvent('Mine')], 'no_stream');
      const { position } = await theirs.append('s-1', [newEvent('Theirs')], 0);
      expect(await mine.readLastEvent('s-1')).toMatchObject({
        type: 'Theirs',
        revision: 1,
        position,
      });
    });
  });

  describe('when asked for in one turn with other reads, right after appends', () => {
    it('answers each read from the one batch as readStream does', async () => {
      const store = open();
      const streams = ['s-1', 's-2', 's-3'];
      await Promise.all(
        streams.map((s, i) =>
          store.append(
            s,
            Array.from({ length: i + 1 }, () => newEvent('E')),
            'no_stream',
          ),
        ),
      );
      const [lasts, whole] = await Promise.all([
        Promise.all(streams.map((s) => store.readLastEvent(s))),
        Promise.all(streams.map((s) => store.readStream(s))),
      ]);
      expect(lasts).toEqual(whole.map((events) => events.at(-1)));
      expect(lasts.map((e) => e?.revision)).toEqual([0, 1, 2]);
    });
  });

  describe('when asked for any stream’s last event', () => {
    it('finds it by the stream’s index, without a scan or a sort, however long the stream', () => {
      const store = open() as unknown as {
        db: Database.Database;
        selectLast: Database.Statement;
      };
      const plan = store.db
        .prepare(`EXPLAIN QUERY PLAN ${store.selectLast.source}`)
        .all('s-1') as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail)).toEqual([
        expect.stringMatching(/^SEARCH events USING INDEX .*\(stream=\?\)$/),
      ]);
    });
  });
});
