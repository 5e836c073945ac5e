import { projectionStatuses } from '../../projector/projection-status';
import { projectionNamed } from '../../projector/projections';
import { rebuildProjection } from '../../projector/rebuild';
import type { OpsContext } from '../ops-context';

/** `projections`: where each projection stands. */
export async function showProjections(ctx: OpsContext): Promise<void> {
  const names = ctx.projections.map((p) => p.name);
  for (const s of await projectionStatuses(ctx.readModels, ctx.eventStore, names)) {
    const rebuilding = s.rebuilding
      ? ` rebuilding=v${s.rebuilding.version}@${s.rebuilding.position}`
      : '';
    ctx.out(
      `${s.name}\tv${s.version}\tposition=${s.position}\tlag=${s.lag}\t${s.status}\tparked=${s.parkedEvents}\tlastEventAt=${s.lastEventAt ?? '-'}${rebuilding}`,
    );
  }
}

/** `rebuild <projection>`: blue-green rebuild with a progress bar. */
export async function rebuild(
  ctx: OpsContext,
  name: string,
  options: { restart?: boolean; batch?: number } = {},
): Promise<void> {
  const projection = projectionNamed(name, ctx.projections);
  const head = await ctx.eventStore.headPosition();
  const bar = ctx.bar(`rebuild ${name}`, Number(head));
  try {
    const result = await rebuildProjection({
      eventStore: ctx.eventStore,
      store: ctx.readModels,
      leases: ctx.leases,
      projection,
      restart: options.restart,
      maxBatch: options.batch,
      log: (m) => ctx.out(m),
      onProgress: ({ position, head: h }) => bar.update(Number(position), Number(h)),
    });
    bar.stop();
    ctx.out(
      `${name}: version ${result.version} ${result.resumed ? '(resumed) ' : ''}is active at position ${result.position}; version ${result.previous} dropped`,
    );
  } finally {
    bar.stop();
  }
}
