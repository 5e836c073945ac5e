import {
  createParamDecorator,
  Inject,
  Injectable,
  type ExecutionContext,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { withTimeout } from '../../../libs/platform/async/with-timeout';
import { AppError, invalid } from '../../../libs/platform/errors/app-error';
import {
  READ_MODELS,
  type ProjectionStore,
  type ProjectionVersionState,
} from '../../../libs/read-store/read-models.port';
import { ProjectionProgress } from '../projector/progress';

export const MIN_POSITION_HEADER = 'x-min-position';
export const READ_YOUR_WRITES_OPTIONS = Symbol('READ_YOUR_WRITES_OPTIONS');

export interface ReadYourWritesOptions {
  /** Longest wait before answering 503 `projection_lagging`. */
  timeoutMs: number;
  /** Re-check interval when no commit news arrives (the projector may run in another instance). */
  recheckMs: number;
}

/** How long a read of the store's head or end may take before the answer goes without it. */
const HEAD_READ_MS = 1_000;

/** A read of the store bounded by HEAD_READ_MS: undefined when it fails or takes longer. */
const atOnce = (read: Promise<bigint>): Promise<bigint | undefined> =>
  withTimeout(read, HEAD_READ_MS, () => new Error()).catch(() => undefined);

/** Positions are signed 64-bit in every store; a larger one can never be reached. */
const MAX_POSITION = 2n ** 63n - 1n;

/** `X-Min-Position`: a decimal event-store position, as commands return in `X-Event-Position`. */
export const MinPosition = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): bigint | undefined => {
    const raw = ctx.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[
      MIN_POSITION_HEADER
    ];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || !/^\d{1,19}$/.test(raw) || BigInt(raw) > MAX_POSITION) {
      throw invalid(
        'invalid_min_position',
        'X-Min-Position must be an event position (a whole number).',
        [
          {
            field: 'X-Min-Position',
            message: `must be a decimal whole number up to ${MAX_POSITION}`,
          },
        ],
      );
    }
    return BigInt(raw);
  },
);

interface Waiter {
  projection: string;
  min: bigint;
  reached(): void;
  failed(error: unknown): void;
}

/**
 * Read-your-writes: a query naming a position waits until the active version
 * of the projection it reads has reached it, for at most `timeoutMs`; then it
 * answers 503 `projection_lagging` rather than stale data. Waiting queries
 * share one watch: the projector's commits (and a slow re-check, for a
 * projector in another process) trigger one read of the projection states for
 * all of them, where each used to read on every commit.
 */
@Injectable()
export class ReadYourWrites implements OnApplicationShutdown {
  private readonly waiters = new Set<Waiter>();
  private reading = false;
  private readAgain = false;
  private stopWatching: (() => void) | undefined;
  private knownEnd = -1n;

  constructor(
    @Inject(READ_MODELS) private readonly store: ProjectionStore,
    @Inject(EVENT_STORE) private readonly events: Pick<EventStore, 'headPosition' | 'endPosition'>,
    private readonly progress: ProjectionProgress,
    @Inject(READ_YOUR_WRITES_OPTIONS) private readonly options: ReadYourWritesOptions,
  ) {}

  async reach(min: bigint | undefined, projection: string): Promise<void> {
    if (min === undefined || min === 0n) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        this.unwatchIfIdle();
        // A last look: the position may have been reached since the last shared read.
        this.positionOf(projection).then(async (position) => {
          if (position < min) return reject(await this.whyNotReached(min, projection, position));
          const refusal = pastEnd(projection, min, position, await this.storeEnd(position));
          return refusal ? reject(refusal) : resolve();
        }, reject);
      }, this.options.timeoutMs);
      const waiter: Waiter = {
        projection,
        min,
        reached: () => (clearTimeout(timer), resolve()),
        failed: (error) => (clearTimeout(timer), reject(error)),
      };
      // Watching before the first read: a commit during it is not missed.
      this.waiters.add(waiter);
      this.watch();
      this.check();
    });
  }

  /** After the server has closed: queries still waiting then go on being woken by commits. */
  onApplicationShutdown(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
  }

  /**
   * Past the event store's last event, no command returned the position (a
   * typo, another environment's, a store restored from a backup): 400, since
   * 503 with Retry-After has the client retry for ever. Asked only after the
   * wait, so a store node that lags behind the one that took the write has
   * caught up.
   */
  private async whyNotReached(min: bigint, projection: string, position: bigint) {
    // Bounded: a store that does not answer leaves the answer it would have given (503).
    const head = await atOnce(this.events.headPosition());
    return head !== undefined && min > head
      ? invalid(
          'invalid_min_position',
          `X-Min-Position ${min} is past the last event of the store (${head}); no command returned it.`,
          [{ field: 'X-Min-Position', message: `must be at most ${head}` }],
        )
      : lagging(min, projection, position);
  }

  /**
   * The store's last record as far as `checkpoint` needs it, read after the checkpoints;
   * undefined when it cannot be had at once. The end only grows while the process runs, so a
   * checkpoint within the largest end seen needs no read: a store that hangs slows no query.
   */
  private async storeEnd(checkpoint: bigint): Promise<bigint | undefined> {
    if (checkpoint <= this.knownEnd) return this.knownEnd;
    const end = await atOnce(this.events.endPosition());
    if (end !== undefined && end > this.knownEnd) this.knownEnd = end;
    return end;
  }

  private async positionOf(projection: string): Promise<bigint> {
    return activePosition(await this.store.projectionStates(), projection);
  }

  private watch(): void {
    if (this.stopWatching) return;
    const stopCommits = this.progress.onCommit(() => this.check());
    const recheck = setInterval(() => this.check(), this.options.recheckMs).unref();
    this.stopWatching = () => (stopCommits(), clearInterval(recheck));
  }

  private unwatchIfIdle(): void {
    if (this.waiters.size === 0) this.onApplicationShutdown();
  }

  /** One read of the projection states for every waiter; a check asked for during a read runs after it. */
  private check(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    void this.store
      .projectionStates()
      .then(
        async (states) => {
          const reached = [...this.waiters]
            .map((waiter) => ({ waiter, position: activePosition(states, waiter.projection) }))
            .filter(({ waiter, position }) => position >= waiter.min);
          if (reached.length === 0) return;
          reached.forEach(({ waiter }) => this.waiters.delete(waiter));
          const highest = reached.reduce((a, { position }) => (position > a ? position : a), 0n);
          const end = await this.storeEnd(highest);
          for (const { waiter, position } of reached) {
            const refusal = pastEnd(waiter.projection, waiter.min, position, end);
            if (refusal) waiter.failed(refusal);
            else waiter.reached();
          }
        },
        (error: unknown) => {
          for (const waiter of this.waiters) waiter.failed(error);
          this.waiters.clear();
        },
      )
      .finally(() => {
        this.reading = false;
        this.unwatchIfIdle();
        if (this.readAgain) {
          this.readAgain = false;
          if (this.waiters.size > 0) this.check();
        }
      });
  }
}

const activePosition = (states: readonly ProjectionVersionState[], projection: string) =>
  states.find((s) => s.projection === projection && s.state === 'active')?.position ?? 0n;

/**
 * A checkpoint past the store's last record (a store replaced or restored
 * beside these read models) passes over what the store appends up to it: the
 * write asked for is not in the read model, and will not be until a rebuild.
 */
function pastEnd(projection: string, min: bigint, position: bigint, end: bigint | undefined) {
  if (end === undefined || position <= end) return undefined;
  return lagging(
    min,
    projection,
    position,
    `The read model's checkpoint (${position}) is past the event store's last event (${end}), as after a store was restored; it holds another history until it is rebuilt.`,
  );
}

function lagging(
  min: bigint,
  projection: string,
  position: bigint,
  detail = `The read model has not reached position ${min} yet; retry shortly.`,
): AppError {
  return new AppError('unavailable', 'projection_lagging', detail, {
    minPosition: min.toString(),
    lagging: [{ name: projection, position: position.toString() }],
    retryAfterSeconds: 1,
  });
}
