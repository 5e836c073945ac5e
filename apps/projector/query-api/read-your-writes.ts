import { createParamDecorator, Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { AppError, invalid } from '../../../libs/platform/errors/app-error';
import { READ_MODELS, type ProjectionStore } from '../../../libs/read-store/read-models.port';
import { ProjectionProgress } from '../projector/progress';

export const MIN_POSITION_HEADER = 'x-min-position';
export const READ_YOUR_WRITES_OPTIONS = Symbol('READ_YOUR_WRITES_OPTIONS');

export interface ReadYourWritesOptions {
  /** Projections a query waits for: all of them. */
  projections: readonly string[];
  /** Longest wait before answering 503 `projection_lagging`. */
  timeoutMs: number;
  /** Re-check interval when no commit news arrives (the projector may run in another instance). */
  recheckMs: number;
}

/** `X-Min-Position`: a decimal event-store position, as commands return in `X-Event-Position`. */
export const MinPosition = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): bigint | undefined => {
    const raw = ctx.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[
      MIN_POSITION_HEADER
    ];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || !/^\d{1,20}$/.test(raw) || BigInt(raw) > 2n ** 64n - 1n) {
      throw invalid(
        'invalid_min_position',
        'X-Min-Position must be an event position (a whole number).',
        [{ field: 'X-Min-Position', message: 'must be a decimal whole number' }],
      );
    }
    return BigInt(raw);
  },
);

/**
 * Read-your-writes: a query naming a position waits until every projection's
 * active version has reached it, woken by the projector's commits (and a slow
 * re-check for a projector in another process), for at most `timeoutMs`; then
 * it answers 503 `projection_lagging` rather than stale data.
 */
@Injectable()
export class ReadYourWrites {
  constructor(
    @Inject(READ_MODELS) private readonly store: ProjectionStore,
    private readonly progress: ProjectionProgress,
    @Inject(READ_YOUR_WRITES_OPTIONS) private readonly options: ReadYourWritesOptions,
  ) {}

  async reach(min: bigint | undefined): Promise<void> {
    if (min === undefined || min === 0n) return;
    const deadline = Date.now() + this.options.timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      const wake = this.progress.next(Math.max(0, Math.min(left, this.options.recheckMs)));
      const behind = await this.behind(min).catch((e) => {
        wake.cancel();
        throw e;
      });
      if (behind.length === 0) return wake.cancel();
      if (left <= 0) {
        wake.cancel();
        throw new AppError(
          'unavailable',
          'projection_lagging',
          `The read models have not reached position ${min} yet; retry shortly.`,
          {
            minPosition: min.toString(),
            lagging: behind,
            retryAfterSeconds: 1,
          },
        );
      }
      await wake.settled;
    }
  }

  private async behind(min: bigint): Promise<Array<{ name: string; position: string }>> {
    const states = await this.store.projectionStates();
    return this.options.projections.flatMap((name) => {
      const active = states.find((s) => s.projection === name && s.state === 'active');
      const position = active?.position ?? 0n;
      return position >= min ? [] : [{ name, position: position.toString() }];
    });
  }
}
