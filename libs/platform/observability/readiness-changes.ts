import type { PartLog } from './logger';

/** A check `/ready` found down, and what it said. */
export interface DownCheck {
  name: string;
  message?: string;
}

/** `broker (broker not connected), rateLimits (disk I/O error)`; `word` comes after each name. */
export const describeDown = (down: DownCheck[], word = '') =>
  down
    .map(({ name, message }) => `${name}${word ? ` ${word}` : ''}${message ? ` (${message})` : ''}`)
    .join(', ');

/**
 * Tells of `/ready`'s answer when the set of failing checks changes: which ones went down,
 * and once when all are up again. A load balancer probes several times a second; each probe
 * telling the same outage again buried the dependency's own line.
 */
export class ReadinessChanges {
  /** Names of the checks down at the last probe, sorted and joined; '' while ready. */
  private failing = '';

  constructor(private readonly log: Pick<PartLog, 'log' | 'warn'>) {}

  up(): void {
    if (!this.failing) return;
    this.failing = '';
    this.log.log('ready: every check is up again');
  }

  down(down: DownCheck[]): void {
    const failing = down
      .map((check) => check.name)
      .sort()
      .join(',');
    if (failing === this.failing) return;
    this.failing = failing;
    this.log.warn(`not_ready: ${describeDown(down, 'down')}`);
  }
}
