import { EventEmitter } from 'node:events';

/** In-process news of projection commits, so waiting readers wake at once instead of polling. */
export class ProjectionProgress {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  committed(projection: string, version: number, position: bigint): void {
    this.emitter.emit('committed', { projection, version, position });
  }

  /**
   * Settles on the next commit, or after `ms` (a fallback for a projector in
   * another process). Listening starts at once, so a commit right after a
   * check is not missed; `cancel` settles it early.
   */
  next(ms: number): { settled: Promise<void>; cancel(): void } {
    let cancel!: () => void;
    const settled = new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off('committed', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.emitter.on('committed', done);
      cancel = done;
    });
    return { settled, cancel };
  }
}
