import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

describe('SqliteEventStore reads of what it committed last', () => {
  describe('when another store on the same file appends between and after its commits', () => {
    it('reads every event in order, its own from memory and the others from the file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'events-'));
      const [mine, theirs] = [0, 1].map(() => new SqliteEventStore(join(dir, 'events.sqlite')));
      await mine.append('s-1', [newEvent('Mine'), newEvent('Mine')], 'any');
      await theirs.append('s-2', [newEvent('Theirs')], 'any');
      await mine.append('s-1', [newEvent('Mine')], 'any');
      await theirs.append('s-2', [newEvent('Theirs')], 'any');

      const all = await mine.readAll({ after: 0n, maxCount: 10 });
      const fromTheTail = await mine.readAll({ after: 3n, maxCount: 10 });
      const wanted = await mine.readAll({ after: 3n, maxCount: 10, types: ['Theirs'] });
      await Promise.all([mine.close(), theirs.close()]);
      rmSync(dir, { recursive: true, force: true });

      expect(all.map((e) => `${e.position}:${e.type}`)).toEqual([
        '1:Mine',
        '2:Mine',
        '3:Theirs',
        '4:Mine',
        '5:Theirs',
      ]);
      expect(fromTheTail.map((e) => e.position)).toEqual([4n, 5n]);
      expect(wanted.map((e) => e.position)).toEqual([5n]);
    });
  });
});

describe('SqliteEventStore filtered subscription under a stream of group commits', () => {
  describe('when appends keep committing while it follows the head', () => {
    it('delivers every wanted event once, in order', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'events-'));
      const store = new SqliteEventStore(join(dir, 'events.sqlite'));
      const delivered: bigint[] = [];
      const sub = store.subscribeToAll({
        after: 0n,
        types: ['Kept'],
        onEvents: async (events) => void delivered.push(...events.map((e) => e.position)),
      });
      for (let wave = 0; wave < 20; wave++) {
        await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            store.append(`s-${wave}-${i}`, [newEvent('Kept'), newEvent('Skipped')], 'no_stream'),
          ),
        );
      }
      await waitFor(() => delivered.length >= 500, { timeoutMs: 10_000 });
      const kept = await store.readAll({ after: 0n, maxCount: 2000, types: ['Kept'] });
      await sub.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      expect(delivered).toEqual(kept.map((e) => e.position));
    });
  });
});

describe('SqliteEventStore subscription stopped while its handler runs', () => {
  it('ends when the handler returns, without waiting for the next poll', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'events-'));
    // A poll of an hour: a stop that waited for it would time the test out.
    const store = new SqliteEventStore(join(dir, 'events.sqlite'), {
      crossProcessPollMs: 3_600_000,
    });
    let handling = false;
    let finish!: () => void;
    const sub = store.subscribeToAll({
      after: 0n,
      onEvents: () => {
        handling = true;
        return new Promise<void>((resolve) => (finish = resolve));
      },
    });
    await store.append('s-1', [newEvent('Any')], 'no_stream');
    await waitFor(() => handling, { message: 'handler called' });
    const stopped = sub.stop();
    finish();
    await stopped;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('SqliteEventStore under a write lock held elsewhere', () => {
  describe('when a lone append meets another connection’s transaction', () => {
    it('waits for it off the event loop, which goes on and lets it end', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'events-locked-'));
      const path = join(dir, 'events.sqlite');
      const store = new SqliteEventStore(path);
      const other = new Database(path);
      try {
        other.exec('BEGIN IMMEDIATE');
        const appended = store.append('s-1', [newEvent('E')], 'no_stream');
        // Runs only if the append's commit leaves the event loop free: a commit waiting on the
        // lock on this thread would hold it until SQLite gave up, 10 s on.
        setImmediate(() => other.exec('COMMIT'));
        await expect(appended).resolves.toMatchObject({ nextRevision: 0 });
      } finally {
        other.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
