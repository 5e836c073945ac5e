import type Database from 'better-sqlite3';
import type { AppendResult } from '../event-store.port';
import type { AppendOutcome, AppendRequest } from './sqlite-group-commit';
import type { SqliteWriter } from './sqlite-writer';

/**
 * A writer thread that dies after its COMMIT, before its answer reaches this
 * thread, reports every append of the group failed, although the events are
 * in the file and will be delivered. A caller told so would retry and record
 * twice (a second invitation; a registration refused as taken). So each
 * failure is checked against the file, read on `db`: an append whose events
 * are all there, past the head before the group, committed.
 */
export function checkingFailures(writer: SqliteWriter, db: Database.Database): SqliteWriter {
  const head = db
    .prepare<[], { head: bigint | null }>('SELECT max(position) AS head FROM events')
    .safeIntegers(true);
  // From the head on: only the group's rows, whatever the file's size.
  const written = db
    .prepare<[bigint, string], { position: bigint; stream: string; revision: bigint }>(
      'SELECT position, stream, revision FROM events WHERE position > ? AND event_id = ?',
    )
    .safeIntegers(true);
  const find = (request: AppendRequest, before: bigint): AppendResult[] | undefined => {
    const results: AppendResult[] = [];
    for (const w of request.streams) {
      const rows = w.events.map((e) => written.get(before, e.eventId));
      if (rows.some((row) => row?.stream !== w.stream)) return undefined;
      const last = rows.at(-1)!; // every stream holds at least one event
      results.push({ nextRevision: Number(last.revision), position: last.position });
    }
    return results;
  };
  return {
    async commit(requests: AppendRequest[]): Promise<AppendOutcome[]> {
      const before = readable(() => head.get()?.head ?? 0n);
      const outcomes = await writer.commit(requests);
      return outcomes.map((outcome, i) => {
        if (!('failure' in outcome) || before === undefined) return outcome;
        const ok = readable(() => find(requests[i], before));
        return ok ? { ok } : outcome;
      });
    },
    close: () => writer.close(),
  };
}

/** What `read` returns, or undefined when the file cannot be read (closed, an I/O error): no check. */
function readable<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
