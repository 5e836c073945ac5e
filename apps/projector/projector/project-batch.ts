import { setTimeout as delay } from 'node:timers/promises';
import type { RecordedEvent } from '../../../libs/event-store';
import { backoffMs } from '../../../libs/platform/retry/backoff';
import type { Checkpoint } from '../../../libs/read-store/coordination.port';
import type {
  ParkedEvent,
  ProjectionStore,
  ProjectionTarget,
} from '../../../libs/read-store/read-models.port';
import { invitationIdOf, ProjectionError, toInvitationEvent } from '../invitation-events';
import type { Projection } from './projection';
import { ReadModelUnavailableError, UnitOfWork, type Eventually } from './unit-of-work';

export interface RetryPolicy {
  /** Tries per event before it is parked. */
  attempts: number;
  /** Delay before the first retry; doubles on each further one. */
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 100 };

export interface BatchContext {
  store: ProjectionStore;
  projection: Projection;
  target: ProjectionTarget;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export const SKIPPED_STREAM_ERROR = 'an earlier event of this stream is parked';

/** A batch projected in memory: what one commit writes. */
export interface ProjectedBatch {
  rows: ReturnType<UnitOfWork['changes']>;
  park: ParkedEvent[];
  unpark: bigint[];
  position: bigint;
  lastEventAt?: string;
}

/**
 * Projects one batch and commits its rows, parked events and checkpoint
 * together. An event that keeps failing is parked and its stream skipped (its
 * later events are parked too, in order) so other streams go on. Events
 * delivered again (duplicates, redelivery) leave rows as they are. `rows`
 * kept from earlier batches (a rebuild) saves reading them back.
 */
export async function projectBatch(
  ctx: BatchContext,
  recorded: RecordedEvent[],
  checkpoint: Checkpoint,
  rows = new UnitOfWork(ctx.store, ctx.target),
): Promise<Checkpoint> {
  if (recorded.length === 0) return checkpoint;
  return commitBatch(ctx, await projectEvents(ctx, recorded, rows), checkpoint);
}

/**
 * The projecting half of `projectBatch`; `rows` hands over its changes. A
 * rebuild that knows every parked event of its version passes them as
 * `parkedAt` (kept up to date here) instead of reading them from the store.
 * `through` is where the batch's reading ended, when that is past its last
 * event (a read of some types only): the checkpoint goes there.
 */
export async function projectEvents(
  ctx: BatchContext,
  recorded: RecordedEvent[],
  rows: UnitOfWork,
  parkedAt?: Map<string, Set<bigint>>,
  through = recorded[recorded.length - 1].position,
): Promise<ProjectedBatch> {
  const { projection } = ctx;
  const reads = new Set<string>(projection.eventTypes);
  const events: RecordedEvent[] = [];
  const ids = new Set<string>(); // to prefetch, unless every row is in memory already
  for (const e of recorded) {
    // Types it does not read are passed over, not parked behind a parked event of their stream.
    if (!reads.has(e.type)) continue;
    const id = invitationIdOf(e);
    if (id === undefined) continue;
    events.push(e);
    if (!rows.allKnown) ids.add(id);
  }
  parkedAt ??= await parkedPositions(ctx, events);
  if (ids.size > 0) await projection.prefetch([...ids], rows);

  const park: ParkedEvent[] = [];
  const unpark: bigint[] = [];
  for (const event of events) {
    const parked = parkedAt.get(event.streamName);
    if (parked && [...parked].some((p) => p < event.position)) {
      park.push(parkedEvent(event, SKIPPED_STREAM_ERROR, 0));
      parked.add(event.position);
      continue;
    }
    let failure = applyWithRetry(ctx, event, rows);
    if (failure instanceof Promise) failure = await failure;
    if (failure) {
      park.push(parkedEvent(event, failure.error, failure.attempts));
      parkedAt.set(event.streamName, (parked ?? new Set<bigint>()).add(event.position));
    } else if (parked?.delete(event.position)) {
      unpark.push(event.position); // a redelivered parked event that applies now
    }
  }
  const changes = rows.changes();
  rows.committed();
  return {
    rows: changes,
    park,
    unpark,
    position: through,
    lastEventAt: lastEventAt(events),
  };
}

/** Writes a projected batch with the checkpoint after it, fenced by `checkpoint.version`. */
export async function commitBatch(
  ctx: Pick<BatchContext, 'store' | 'target' | 'log'>,
  batch: ProjectedBatch,
  checkpoint: Checkpoint,
): Promise<Checkpoint> {
  const { position, lastEventAt } = batch;
  const version = await ctx.store.commit({
    target: ctx.target,
    ...batch.rows,
    park: batch.park,
    unpark: batch.unpark,
    checkpoint: { position, expectedVersion: checkpoint.version, lastEventAt },
  });
  // Told once parked for good: a batch whose commit is refused (a version retired under it,
  // another instance's checkpoint) parked nothing, and is projected again where it belongs.
  for (const p of batch.park) {
    if (p.error === SKIPPED_STREAM_ERROR) continue;
    ctx.log?.(
      `projection ${ctx.target.projection}: parked ${p.eventType} at ${p.position} on ${p.streamName}: ${p.error}`,
    );
  }
  return { position, version: version! };
}

/** When the batch's latest event with a valid time occurred. */
function lastEventAt(events: RecordedEvent[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const at = validTime(events[i].metadata?.occurredAt);
    if (at) return at;
  }
  return undefined;
}

/**
 * Parked positions of the batch's streams. Usually none; the parked events of
 * the streams that have some are read, so a redelivered batch sees exactly
 * which events came before which.
 */
async function parkedPositions(
  ctx: BatchContext,
  events: RecordedEvent[],
): Promise<Map<string, Set<bigint>>> {
  const streams = [...new Set(events.map((e) => e.streamName))];
  const affected = await ctx.store.streamsWithParkedEvents(ctx.target, streams);
  const positions = new Map<string, Set<bigint>>();
  if (affected.size === 0) return positions;
  for (const p of await ctx.store.listParked(ctx.target, [...affected])) {
    positions.set(p.streamName, (positions.get(p.streamName) ?? new Set()).add(p.position));
  }
  return positions;
}

type Failure = { error: string; attempts: number };

/**
 * Applies one event, retrying with backoff; gives the failure once the tries
 * are spent. Synchronous while the first try is (rows in memory), so a
 * rebuild's events cost no promise each.
 */
export function applyWithRetry(
  ctx: Pick<BatchContext, 'projection' | 'retry' | 'signal'>,
  event: RecordedEvent,
  rows: UnitOfWork,
): Eventually<Failure | undefined> {
  if (!(ctx.projection.eventTypes as readonly string[]).includes(event.type)) return undefined;
  try {
    const applied = ctx.projection.apply(toInvitationEvent(event), rows);
    if (!(applied instanceof Promise)) {
      rows.keep();
      return undefined;
    }
    return applied.then(
      () => void rows.keep(),
      (error) => retry(ctx, event, rows, error),
    );
  } catch (error) {
    return retry(ctx, event, rows, error);
  }
}

/** After a failed try: takes it back, then tries again with backoff until the tries are spent. */
async function retry(
  ctx: Pick<BatchContext, 'projection' | 'retry' | 'signal'>,
  event: RecordedEvent,
  rows: UnitOfWork,
  error: unknown,
): Promise<Failure | undefined> {
  const { attempts, backoffMs: firstMs } = ctx.retry ?? DEFAULT_RETRY;
  for (let attempt = 1; ; attempt++) {
    rows.discard();
    if (error instanceof ReadModelUnavailableError) throw error;
    // An event the projection cannot understand fails the same way every try.
    if (attempt >= attempts || error instanceof ProjectionError) {
      return { error: describe(error), attempts: attempt };
    }
    // Rejects as soon as the signal aborts: the batch is then abandoned.
    await delay(backoffMs({ firstMs, maxMs: Infinity }, attempt - 1), undefined, {
      signal: ctx.signal,
    });
    try {
      await ctx.projection.apply(toInvitationEvent(event), rows);
      rows.keep();
      return undefined;
    } catch (next) {
      error = next;
    }
  }
}

function parkedEvent(event: RecordedEvent, error: string, attempts: number): ParkedEvent {
  return {
    position: event.position,
    streamName: event.streamName,
    eventId: event.eventId,
    eventType: event.type,
    error,
    attempts,
    parkedAt: new Date().toISOString(),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function validTime(value: unknown): string | undefined {
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
