import type Database from 'better-sqlite3';

/**
 * Reads asked for in one turn of the event loop run together at its end, in
 * one read transaction. Outside a transaction SQLite takes and drops its file
 * locks for every statement (two fcntl calls and a stat), which costs more than
 * a read by key; a burst of commands, such as a prefetch window of messages,
 * pays that once. Each read still sees every commit made before it was asked
 * for, since the transaction starts after the last one was queued.
 */
export class ReadBatcher {
  private queued: Array<() => void> = [];

  constructor(private readonly db: Database.Database) {}

  read<T>(query: () => T): Promise<T> {
    return new Promise((resolve, reject) => {
      const run = () => {
        try {
          resolve(query());
        } catch (error) {
          reject(error as Error);
        }
      };
      if (this.queued.push(run) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const reads = this.queued;
    this.queued = [];
    // A lone read needs no transaction, and a closed connection lets each read fail on its own.
    const together = reads.length > 1 && this.db.open && !this.db.inTransaction;
    if (together) this.db.exec('BEGIN');
    try {
      for (const run of reads) run();
    } finally {
      if (together && this.db.inTransaction) this.db.exec('COMMIT');
    }
  }
}
