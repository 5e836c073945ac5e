import { EventEmitter } from 'node:events';

export interface ProjectionCommit {
  projection: string;
  version: number;
  position: bigint;
}

/** In-process news of projection commits, so waiting readers wake at once instead of polling. */
export class ProjectionProgress {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  committed(projection: string, version: number, position: bigint): void {
    this.emitter.emit('committed', { projection, version, position } satisfies ProjectionCommit);
  }

  /** Calls `listener` on every commit until the returned function is called. */
  onCommit(listener: (commit: ProjectionCommit) => void): () => void {
    this.emitter.on('committed', listener);
    return () => this.emitter.off('committed', listener);
  }
}
