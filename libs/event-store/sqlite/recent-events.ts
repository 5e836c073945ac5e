import type { AppendResult } from '../event-store.port';
import type { AppendRequest } from './sqlite-group-commit';

/** An event as the store reads it, in `COLUMNS` order. */
export type Row = [
  position: bigint,
  stream: string,
  revision: bigint,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
];

/** What a read of all events asks for, as the store's `readAll` takes it. */
export interface RangeQuery {
  after: bigint;
  maxCount: number;
  types?: readonly string[];
  until?: bigint;
}

/**
 * The latest events this process committed, with no gap between them, so
 * subscribers that follow the head read them from memory instead of the file.
 * Covers the positions (`from`, `through`]; a commit that does not follow on
 * from `through` (another process wrote in between) starts the tail afresh.
 */
export class RecentEvents {
  private rows: Row[] = [];
  private from = 0n;
  private through = 0n;
  /** Characters of data and metadata held, so a run of large events cannot hold much memory. */
  private chars = 0;

  /** Holds between `capacity` and twice as many events, and about `maxChars` of their data at most. */
  constructor(
    private readonly capacity = 4096,
    private readonly maxChars = 4_000_000,
  ) {}

  /** The position of the last event held (0 before any). */
  get end(): bigint {
    return this.through;
  }

  /** Call with each committed append and its results, in commit order. */
  add(request: AppendRequest, results: readonly AppendResult[]): void {
    request.streams.forEach((write, i) => {
      const { position, nextRevision } = results[i];
      const count = write.events.length;
      const first = position - BigInt(count - 1);
      if (first !== this.through + 1n) {
        this.rows = [];
        this.chars = 0;
        this.from = first - 1n;
      }
      write.events.forEach((e, k) => {
        const revision = BigInt(nextRevision - count + 1 + k);
        this.rows.push([
          first + BigInt(k),
          write.stream,
          revision,
          e.eventId,
          e.type,
          e.data,
          e.metadata,
        ]);
        this.chars += e.data.length + e.metadata.length;
      });
      this.through = position;
    });
    if (this.rows.length > 2 * this.capacity || this.chars > 2 * this.maxChars) this.trim();
  }

  /** Keeps the newest `capacity` events, fewer if they hold more than `maxChars`. */
  private trim(): void {
    let keep = 0;
    let chars = 0;
    for (let i = this.rows.length - 1; i >= 0 && keep < this.capacity; i--) {
      const size = this.rows[i][5].length + this.rows[i][6].length;
      if (keep > 0 && chars + size > this.maxChars) break;
      chars += size;
      keep += 1;
    }
    this.rows = this.rows.slice(-keep);
    this.chars = chars;
    this.from = this.rows[0][0] - 1n;
  }

  /**
   * The events of `query` held here, and the position the store must read on
   * from for the rest; undefined when the query starts before the tail or at
   * or past its end (nothing here to save).
   */
  read(query: RangeQuery): { rows: Row[]; readOnFrom?: bigint } | undefined {
    const { after, maxCount, types, until } = query;
    if (after < this.from || after >= this.through) return undefined;
    const end = until !== undefined && until < this.through ? until : this.through;
    const rows: Row[] = [];
    // Positions are contiguous, so the first wanted row sits at a known index.
    for (let i = Number(after - this.from); i < this.rows.length && rows.length < maxCount; i++) {
      const row = this.rows[i];
      if (row[0] > end) break;
      if (!types || types.includes(row[4])) rows.push(row);
    }
    const complete = rows.length === maxCount || (until !== undefined && until <= this.through);
    return { rows, readOnFrom: complete ? undefined : this.through };
  }
}
