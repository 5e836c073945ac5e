import { PARKED_COUNT_LIMIT } from '../../../../libs/read-store/read-models.port';
import { projectionStatuses } from '../../projector/projection-status';
import { rebuildProjections } from '../../projector/rebuild';
import { projectionsNamed, type OpsContext } from '../ops-context';

/** A parked count as the read models give it: at the limit they stop counting, so "at least". */
export const parkedCount = (n: number): string => (n >= PARKED_COUNT_LIMIT ? `${n}+` : `${n}`);

/** `projections`: where each projection stands. */
export async function showProjections(ctx: OpsContext): Promise<void> {
  const names = ctx.projections.map((p) => p.name);
  for (const s of await projectionStatuses(ctx.readModels, ctx.eventStore, names)) {
    const rebuilding = s.rebuilding
      ? ` rebuilding=v${s.rebuilding.version}@${s.rebuilding.position}`
      : '';
    ctx.out(
      `${s.name}\tv${s.version}\tposition=${s.position}\tlag=${s.lag}\t${s.status}\tparked=${parkedCount(s.parkedEvents)}\tlastEventAt=${s.lastEventAt ?? '-'}${rebuilding}`,
    );
  }
}

/**
 * `rebuild <projection...>` (or `rebuild all`): blue-green rebuild with a
 * progress bar; several projections are built in one pass over the events.
 */
export async function rebuild(
  ctx: OpsContext,
  names: string[],
  options: { restart?: boolean; batch?: number } = {},
): Promise<void> {
  const projections = projectionsNamed(ctx, names);
  const head = await ctx.eventStore.headPosition();
  const bar = ctx.bar(`rebuild ${projections.map((p) => p.name).join(', ')}`, Number(head));
  const reached = new Map<string, bigint>();
  try {
    await rebuildProjections({
      eventStore: ctx.eventStore,
      store: ctx.readModels,
      leases: ctx.leases,
      projections,
      restart: options.restart,
      maxBatch: options.batch,
      signal: ctx.signal,
      log: (m) => ctx.out(m),
      onSwitched: (r) =>
        ctx.out(
          `${r.projection}: version ${r.version} ${r.resumed ? '(resumed) ' : ''}is active at position ${r.position}; version ${r.previous} ${r.dropped ? 'dropped' : 'retired, its rows left in place'}`,
        ),
      // The bar shows the projection furthest behind.
      onProgress: ({ projection, position, head: h }) => {
        reached.set(projection, position);
        const least = [...reached.values()].reduce((a, b) => (b < a ? b : a));
        bar.update(reached.size < projections.length ? 0 : Number(least), Number(h));
      },
    });
  } finally {
    bar.stop();
  }
}
