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

/** No commit for this long while behind the head counts as stalled. */
export const STALLED_AFTER_MS = 30_000;

/** What `GET /projections` reports, from the durable states (whichever instance runs the projection). */
export async function projectionStatuses(
  store: ProjectionStore,
  eventStore: EventStore,
  names: readonly string[],
  now = Date.now(),
): Promise<ProjectionStatus[]> {
  const [states, head] = await Promise.all([store.projectionStates(), eventStore.headPosition()]);
  return names.map((name) => {
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
      status: health(active, lag, now),
      version: active?.version ?? 0,
      parkedEvents: active?.parkedEvents ?? 0,
      rebuilding: building
        ? { version: building.version, position: building.position.toString() }
        : null,
    };
  });
}

function health(
  active: ProjectionVersionState | undefined,
  lag: bigint,
  now: number,
): ProjectionHealth {
  if (lag === 0n) return 'live';
  const updated = active?.updatedAt ? Date.parse(active.updatedAt) : NaN;
  return now - updated <= STALLED_AFTER_MS ? 'catching_up' : 'stalled';
}
