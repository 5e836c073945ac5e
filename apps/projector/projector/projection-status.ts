import type { EventStore } from '../../../libs/event-store';
import type {
  ProjectionStore,
  ProjectionVersionState,
} from '../../../libs/read-store/read-models.port';

export type ProjectionHealth = 'live' | 'catching_up' | 'stalled';

export interface ProjectionStatus {
  name: string;
  /** Checkpoint of the active version: a decimal string, since positions are 64-bit. */
  position: string;
  /** Event-store head minus the checkpoint, in store positions. */
  lag: number;
  lastEventAt: string | null;
  status: ProjectionHealth;
  version: number;
  parkedEvents: number;
  /** A blue-green rebuild in progress, if any. */
  rebuilding: { version: number; position: string } | null;
}

/**
 * Behind the head for this long counts as stalled: no commit in that time,
 * and the oldest event not projected yet has waited as long.
 */
export const STALLED_AFTER_MS = 30_000;

/** What `GET /projections` reports, from the durable states (whichever instance runs the projection). */
export async function projectionStatuses(
  store: ProjectionStore,
  eventStore: EventStore,
  names: readonly string[],
  now = Date.now(),
): Promise<ProjectionStatus[]> {
  const states = await store.projectionStates();
  // Read after the states, so a checkpoint committed meanwhile is never past the end read.
  const [head, end] = await Promise.all([eventStore.headPosition(), eventStore.endPosition()]);
  return Promise.all(
    names.map(async (name) => {
      const mine = states.filter((s) => s.projection === name);
      const active = mine.find((s) => s.state === 'active');
      const building = mine.find((s) => s.state === 'building');
      const position = active?.position ?? 0n;
      const lag = head > position ? head - position : 0n;
      return {
        name,
        position: position.toString(),
        lag: Number(lag),
        lastEventAt: active?.lastEventAt ?? null,
        status: await health(eventStore, active, position, { head, end, now }),
        version: active?.version ?? 0,
        parkedEvents: active?.parkedEvents ?? 0,
        rebuilding: building
          ? { version: building.version, position: building.position.toString() }
          : null,
      };
    }),
  );
}

/**
 * Live with no lag, unless the checkpoint is past the store's last record (a
 * store replaced or restored): then what the store appends up to it is passed
 * over until a rebuild, so it is stalled, though it shows no lag.
 */
async function health(
  eventStore: EventStore,
  active: ProjectionVersionState | undefined,
  position: bigint,
  at: { head: bigint; end: bigint; now: number },
): Promise<ProjectionHealth> {
  if (position > at.end) return 'stalled';
  if (position >= at.head) return 'live';
  return behindHealth(eventStore, active, position, at.now);
}

/**
 * Catching up while the projection committed lately or its oldest waiting
 * event is recent: an idle worker that has just been handed an event, or a
 * version that has not committed yet, is not stalled.
 */
async function behindHealth(
  eventStore: EventStore,
  active: ProjectionVersionState | undefined,
  position: bigint,
  now: number,
): Promise<ProjectionHealth> {
  const committed = active?.updatedAt ? Date.parse(active.updatedAt) : NaN;
  if (now - committed <= STALLED_AFTER_MS) return 'catching_up';
  const [oldest] = await eventStore.readAll({ after: position, maxCount: 1 });
  // Events of other writers may carry no metadata of ours: without a time, the commit decides.
  const waitingSince = Date.parse(String(oldest?.metadata?.occurredAt));
  return now - waitingSince <= STALLED_AFTER_MS ? 'catching_up' : 'stalled';
}
