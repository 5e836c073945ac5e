import {
  parkedStreams,
  replayStream,
  streamsBetween,
  type StreamReplay,
} from '../../projector/replay';
import { invitationIdOf } from '../../invitation-events';
import type { Projection } from '../../projector/projection';
import { OpsError, projectionsNamed, rangeEnd, recordLine, type OpsContext } from '../ops-context';

export interface ReplaySelection {
  stream?: string;
  from?: bigint;
  to?: bigint;
  projection?: string;
}

/**
 * `replay --stream <s>` or `replay --from <pos> --to <pos>`: re-projects the
 * stream, or every invitation stream with an event in the range, into the
 * active version of each projection (or the one named).
 */
export async function replay(ctx: OpsContext, sel: ReplaySelection): Promise<void> {
  const targets = selected(ctx, sel.projection); // refuses an unknown name before any read
  let streams: string[];
  if (sel.stream !== undefined) {
    if (sel.from !== undefined || sel.to !== undefined)
      throw new OpsError('--stream replays the whole stream: leave out --from and --to');
    const events = await ctx.eventStore.readStream(sel.stream);
    if (!events.some((e) => invitationIdOf(e) !== undefined))
      throw new OpsError(`stream ${sel.stream} has no invitation events to replay`);
    streams = [sel.stream];
  } else if (sel.from !== undefined) {
    const to = await rangeEnd(ctx.eventStore, sel.from, sel.to);
    streams = await streamsBetween(ctx.eventStore, sel.from, to);
  } else {
    throw new OpsError('replay needs --stream <stream> or --from <position> [--to <position>]');
  }
  failedIfAny(await replayStreams(ctx, streams, targets, 'replay'));
}

/** `parked list`: parked events of each projection's active version. */
export async function listParked(ctx: OpsContext, projection?: string): Promise<void> {
  let any = false;
  for (const p of selected(ctx, projection)) {
    const version = await ctx.readModels.activeVersion(p.name);
    if (version === undefined) continue;
    for (const e of await ctx.readModels.listParked({ projection: p.name, version })) {
      any = true;
      ctx.out(
        recordLine([
          p.name,
          e.position.toString(),
          e.streamName,
          e.eventType,
          `attempts=${e.attempts}`,
          e.parkedAt,
          e.error,
        ]),
      );
    }
  }
  if (!any) ctx.out('no parked events');
}

/**
 * `parked replay`: replays every stream with parked events, so the projection goes on with
 * them. A projection whose replays fail does not hold back the next one's.
 */
export async function replayParked(ctx: OpsContext, projection?: string): Promise<void> {
  let failed = 0;
  const failedIn: string[] = [];
  for (const p of selected(ctx, projection)) {
    const streams = await parkedStreams(ctx.readModels, p.name);
    const failures = await replayStreams(ctx, streams, [p], `parked ${p.name}`);
    failed += failures;
    if (failures > 0) failedIn.push(p.name);
  }
  failedIfAny(failed, failedIn);
}

function failedIfAny(failed: number, projections: string[] = []): void {
  const naming = projections.length > 0 ? ` (${projections.join(', ')})` : '';
  if (failed > 0) throw new OpsError(`${failed} replay(s) failed${naming}`);
}

/** Replays each stream into each target and prints the outcome; how many replays failed. */
async function replayStreams(
  ctx: OpsContext,
  streams: string[],
  targets: readonly Projection[],
  label: string,
): Promise<number> {
  const bar = ctx.bar(label, streams.length * targets.length);
  const failures: StreamReplay[] = [];
  let done = 0;
  let unparked = 0;
  try {
    for (const stream of streams) {
      if (ctx.signal?.aborted) break; // the streams replayed so far are reported
      for (const p of targets) {
        const result = await replayStream(
          { eventStore: ctx.eventStore, store: ctx.readModels, projection: p },
          stream,
        );
        unparked += result.unparked;
        if (result.failed) failures.push(result);
        bar.update(++done);
      }
    }
  } finally {
    bar.stop();
  }
  // A stream counts as replayed only if it was into every projection.
  const reached = done / targets.length;
  const replayed = reached - new Set(failures.map((f) => f.stream)).size;
  ctx.out(`${label}: ${replayed} stream(s) replayed, ${unparked} parked event(s) applied`);
  for (const f of failures) ctx.out(`failed ${f.stream}: ${f.failed}`);
  ctx.signal?.throwIfAborted();
  return failures.length;
}

/** The one named, or every projection when none is: an empty name is refused as unknown. */
function selected(ctx: OpsContext, projection?: string) {
  return projection !== undefined ? projectionsNamed(ctx, [projection]) : ctx.projections;
}
