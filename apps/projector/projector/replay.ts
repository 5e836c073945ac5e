import { pagesBetween, type EventStore } from '../../../libs/event-store';
import {
  CheckpointConflictError,
  type Checkpoint,
} from '../../../libs/read-store/coordination.port';
import {
  ProjectionVersionRetiredError,
  type ProjectionCommit,
  type ProjectionStore,
  type ProjectionTarget,
} from '../../../libs/read-store/read-models.port';
import { jitteredWait, type Backoff } from '../../../libs/platform/retry/backoff';
import { invitationIdOf } from '../invitation-events';
import { applyWithRetry } from './project-batch';
import type { Projection } from './projection';
import { UnitOfWork } from './unit-of-work';

export interface ReplayDeps {
  eventStore: EventStore;
  store: ProjectionStore;
  projection: Projection;
}

export interface StreamReplay {
  stream: string;
  /** Events re-applied (0: nothing of this projection on the stream yet). */
  events: number;
  /** Parked events that are now applied and removed. */
  unparked: number;
  /** Why the stream could not be replayed; nothing was written then. */
  failed?: string;
}

const ROUNDS = 10;

/** Before another round after losing to a live commit: a random wait that grows, so the two part. */
const LOST_RACE: Backoff = { firstMs: 5, maxMs: 500 };

/**
 * Re-projects one invitation stream into the projection's active version:
 * the rows only this stream writes are recomputed from its whole history up
 * to the checkpoint, shared rows get its events again (a relationship takes an
 * older acceptance it never had as a rebuild would, and ignores one it has),
 * and its parked events are removed, all in one
 * commit, fenced by the checkpoint like a batch of the live worker's. The live
 * worker goes on with the stream once none of its events is parked; if it
 * committed meanwhile, the replay goes round again.
 */
export async function replayStream(deps: ReplayDeps, stream: string): Promise<StreamReplay> {
  const { eventStore, store, projection } = deps;
  const result: StreamReplay = { stream, events: 0, unparked: 0 };
  let lostRace = false;
  for (let round = 0; round < ROUNDS; round++) {
    // Each round on the version active now: a rebuild may have switched since the last.
    const version = await store.ensureProjection(projection.name);
    const target: ProjectionTarget = { projection: projection.name, version };
    const checkpoint = await store.loadCheckpoint(target);
    const history = (await eventStore.readStream(stream)).filter(
      (e) => e.position <= checkpoint.position && invitationIdOf(e) !== undefined,
    );
    const parked = (await store.listParked(target, [stream])).filter(
      (p) => p.position <= checkpoint.position,
    );
    const rows = new UnitOfWork(store, target);
    for (const id of new Set(history.map((e) => invitationIdOf(e)!))) projection.forget(id, rows);
    for (const event of history) {
      const failure = await applyWithRetry(
        { projection, retry: { attempts: 1, backoffMs: 0 } },
        event,
        rows,
      );
      if (failure) {
        const entry = parked.find((p) => p.position === event.position);
        if (entry) {
          const again = { ...entry, error: failure.error, attempts: entry.attempts + 1 };
          await recordFailure(store, { target, park: [again], checkpoint: fence(checkpoint) });
        }
        return { ...result, failed: `${event.type} at ${event.position}: ${failure.error}` };
      }
    }
    try {
      // Fenced by the checkpoint read above: a live batch that read the parked events before
      // this commit then fails its own and is projected again, on the stream unparked.
      await store.commit({
        target,
        ...(await recomputed(store, target, rows.changes())),
        unpark: parked.map((p) => p.position),
        checkpoint: fence(checkpoint),
      });
    } catch (error) {
      // The live worker committed since the checkpoint was read, or a rebuild switched
      // versions: go round on what is there now.
      if (!lostFence(error)) throw error;
      lostRace = true;
      await jitteredWait(LOST_RACE, round);
      continue;
    }
    lostRace = false;
    result.events = history.length;
    result.unparked += parked.length;
    const left = await store.streamsWithParkedEvents(target, [stream]);
    if (left.size === 0) return result;
  }
  const why = lostRace
    ? 'the live projector kept committing meanwhile'
    : 'events of the stream kept being parked';
  return { ...result, failed: `${why}; replay it again` };
}

/**
 * The stream's rows as recomputed, each at no lower a position than the row
 * stored for it: a stored row is replaced only by one at its position or
 * later, and a recomputed row keeps the position of the last event that
 * changed it. A fix that makes a later event change nothing (the case a
 * replay is run for) left the wrong row in place, reported replayed. Shared
 * rows (relationships) take the events as the live worker does.
 */
async function recomputed(
  store: ProjectionStore,
  target: ProjectionTarget,
  changes: ReturnType<UnitOfWork['changes']>,
): Promise<ReturnType<UnitOfWork['changes']>> {
  const ids = (rows: { invitationId: string }[] = []) => rows.map((r) => r.invitationId);
  const [invitations, refs] = await Promise.all([
    store.loadInvitations(target, ids(changes.invitations)),
    store.loadInvitationRefs(target, ids(changes.invitationRefs)),
  ]);
  const atLeastStored = <R extends { invitationId: string; position: bigint }>(
    rows: R[] | undefined,
    stored: R[],
  ) => {
    const floor = new Map(stored.map((r) => [r.invitationId, r.position]));
    return rows?.map((row) => {
      const position = floor.get(row.invitationId) ?? 0n;
      return row.position < position ? { ...row, position } : row;
    });
  };
  return {
    ...changes,
    invitations: atLeastStored(changes.invitations, invitations),
    invitationRefs: atLeastStored(changes.invitationRefs, refs),
  };
}

/** Commits only if nothing else has since the checkpoint was read. */
const fence = (checkpoint: Checkpoint) => ({
  position: checkpoint.position,
  expectedVersion: checkpoint.version,
});

/**
 * Notes the replay's error on the parked event. Fenced: if another replay or
 * the live worker committed since, the note is dropped, as it could park again
 * an event that commit applied.
 */
async function recordFailure(store: ProjectionStore, commit: ProjectionCommit): Promise<void> {
  try {
    await store.commit(commit);
  } catch (error) {
    if (!lostFence(error)) throw error;
  }
}

/** Another commit came first: the checkpoint moved, or a rebuild retired the version. */
const lostFence = (error: unknown) =>
  error instanceof CheckpointConflictError || error instanceof ProjectionVersionRetiredError;

/** The invitation streams with an event in `[from, to]`, in order of first appearance. */
export async function streamsBetween(
  eventStore: EventStore,
  from: bigint,
  to: bigint,
  pageSize = 1000,
): Promise<string[]> {
  const streams = new Set<string>();
  for await (const page of pagesBetween(eventStore, from, to, pageSize)) {
    for (const e of page) if (invitationIdOf(e) !== undefined) streams.add(e.streamName);
  }
  return [...streams];
}

/** Streams with parked events in the projection's active version, oldest first. */
export async function parkedStreams(store: ProjectionStore, projection: string): Promise<string[]> {
  const version = await store.activeVersion(projection);
  if (version === undefined) return [];
  const parked = await store.listParked({ projection, version });
  return [...new Set(parked.map((p) => p.streamName))];
}
