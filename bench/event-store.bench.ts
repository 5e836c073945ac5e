import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../libs/event-store/sqlite/sqlite-event-store';
import type { NewEvent } from '../libs/event-store';
import { inTurn, median, printFigures, rate, ROUNDS, type Figure } from './harness';

const APPENDS = Number(process.env.BENCH_APPENDS ?? 2000);
const READ_EVENTS = Number(process.env.BENCH_READ_EVENTS ?? 100_000);
const data = {
  invitationId: randomUUID(),
  email: 'ann@example.com',
  firstName: 'Ann',
  lastName: 'Lee',
};
const metadata = {
  correlationId: randomUUID(),
  causationId: randomUUID(),
  actor: 'user:bench',
  occurredAt: new Date().toISOString(),
};
const event = (): NewEvent => ({ eventId: randomUUID(), type: 'InvitationSent', data, metadata });

/** Raw better-sqlite3 on the same schema shape and durability (WAL, synchronous=FULL). */
function rawDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, revision INTEGER NOT NULL,
    event_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (stream, revision))`);
  return db;
}

export async function benchEventStore(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-es-'));
  try {
    const raw = rawDb(join(dir, 'raw.sqlite'));
    const insert = raw.prepare(
      'INSERT INTO events (stream, revision, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // Serialised per row, as the store does for each append.
    const insertRaw = (stream: string) =>
      insert.run(
        stream,
        0,
        randomUUID(),
        'InvitationSent',
        JSON.stringify(data),
        JSON.stringify(metadata),
      );
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    // Rounds alternate raw and ours on fresh streams, each round's ratio taken on the same machine.
    const rounds = await inTurn(ROUNDS, {
      raw: (round) =>
        rate(APPENDS, () => {
          for (let i = 0; i < APPENDS; i++) insertRaw(`s-${round}-${i}`);
        }),
      one: (round) =>
        rate(APPENDS, async () => {
          for (let i = 0; i < APPENDS; i++)
            await store.append(`one-${round}-${i}`, [event()], 'no_stream');
        }),
      eight: (round) =>
        rate(APPENDS, async () => {
          await Promise.all(
            Array.from({ length: 8 }, async (_, w) => {
              for (let i = 0; i < APPENDS / 8; i++)
                await store.append(`w${w}-${round}-${i}`, [event()], 'no_stream');
            }),
          );
        }),
    });

    // Fill both to READ_EVENTS rows in big transactions, then read everything back.
    const fillRaw = raw.transaction((n: number) => {
      for (let i = 0; i < n; i++) insertRaw(`f-${i}`);
    });
    fillRaw(READ_EVENTS - ROUNDS * APPENDS);
    for (let i = 0; i < READ_EVENTS - 2 * ROUNDS * APPENDS; i += 1000) {
      const n = Math.min(1000, READ_EVENTS - 2 * ROUNDS * APPENDS - i);
      await Promise.all(
        Array.from({ length: n }, (_, j) => store.append(`f-${i + j}`, [event()], 'no_stream')),
      );
    }
    const total = Number(await store.headPosition());
    const select = raw
      .prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT 1000')
      .safeIntegers(true);
    let parsed = 0;
    const rawRead = await rate(total, () => {
      let after = 0n;
      for (;;) {
        const rows = select.all(after) as Array<{
          position: bigint;
          data: string;
          metadata: string;
        }>;
        if (!rows.length) break;
        // Parse like the store does, so both sides pay for JSON.
        for (const r of rows) parsed += JSON.parse(r.data) && JSON.parse(r.metadata) ? 1 : 0;
        after = rows[rows.length - 1].position;
      }
    });
    const ourRead = await rate(total, async () => {
      let after = 0n;
      for (;;) {
        const batch = await store.readAll({ after, maxCount: 1000 });
        if (!batch.length) break;
        after = batch[batch.length - 1].position;
      }
    });
    if (parsed !== total) throw new Error(`raw read parsed ${parsed} of ${total} rows`);
    await store.close();
    raw.close();
    return [
      {
        name: 'append, 1 writer (single-event appends)',
        unit: 'events/s',
        ours: median(rounds.one),
        baseline: median(rounds.raw),
        baselineName: 'raw insert, autocommit',
        target: 0.6,
        ratios: rounds.one.map((o, i) => o / rounds.raw[i]),
      },
      {
        name: 'append, 8 concurrent writers on distinct streams',
        unit: 'events/s',
        ours: median(rounds.eight),
        baseline: median(rounds.raw),
        baselineName: 'raw insert, autocommit',
        target: 0.6,
        ratios: rounds.eight.map((o, i) => o / rounds.raw[i]),
      },
      {
        name: `read all (${total.toLocaleString('en-US')} events)`,
        unit: 'events/s',
        ours: ourRead,
        baseline: rawRead,
        baselineName: 'raw select + JSON.parse',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void benchEventStore().then((f) =>
    printFigures('Event store (SQLite, WAL, synchronous=FULL)', f),
  );
}
