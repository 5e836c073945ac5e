import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Hears of writes to a SQLite file and its -wal, from any process, and calls
 * `look` to see what they were. The watch fires for every page written, this
 * process's own included, so it does not call `look` each time: soon after a
 * write (at most once per `soonMs`), and once more when writes have settled for
 * `settledMs`, since another process's commit is written to the -wal before it
 * is published through the mmapped -shm index, which inotify does not see.
 */
export class FileWritesWatch {
  private watcher?: FSWatcher;
  private soon?: NodeJS.Timeout;
  private settled?: NodeJS.Timeout;

  /**
   * When the directory cannot be watched (no inotify watches left, the
   * directory gone), `onFailure` hears why once and the watch stops: readers
   * then learn of other processes' appends from their poll alone.
   */
  constructor(
    path: string,
    private readonly look: () => void,
    private readonly onFailure: (error: Error) => void,
    private readonly soonMs = 5,
    private readonly settledMs = 250,
  ) {
    const file = basename(path);
    try {
      this.watcher = watch(dirname(path), (_event, name) => {
        if (name?.startsWith(file)) this.written();
      });
    } catch (error) {
      onFailure(error as Error);
      return;
    }
    this.watcher.on('error', (error) => {
      this.close();
      onFailure(error);
    });
    this.watcher.unref();
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.soon);
    clearTimeout(this.settled);
  }

  private written(): void {
    this.soon ??= setTimeout(() => {
      this.soon = undefined;
      this.look();
    }, this.soonMs).unref();
    if (this.settled) this.settled.refresh();
    else this.settled = setTimeout(() => this.look(), this.settledMs).unref();
  }
}
