import { Module } from '@nestjs/common';
import type { Infrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { listen } from '../../libs/platform/infrastructure/listen';
import type { RunningService } from '../../libs/platform/infrastructure/run-services';
import { createHttpApp } from '../../libs/platform/http/create-http-app';
import { createLogger } from '../../libs/platform/observability/logger';
import { reportLag } from '../../libs/platform/observability/metrics';
import { ProjectorModule } from './projector.module';
import { ProjectionProgress } from './projector/progress';
import { projectionStatuses } from './projector/projection-status';
import { PROJECTIONS } from './projector/projections';
import { projectorLeaseName, startProjector as startWorkers } from './projector/projector';
import type { ReadYourWritesOptions } from './query-api/read-your-writes';

export interface ProjectorTuning {
  leaseTtlMs?: number;
  versionCheckMs?: number;
  readYourWrites?: Partial<ReadYourWritesOptions>;
}

/**
 * Starts the projector (one leased worker per projection) and the query API
 * on `port` (0: any free port). Closing stops the server, then the workers.
 */
export async function startProjector(
  infra: Infrastructure,
  port = infra.config.ports.query,
  tuning: ProjectorTuning = {},
): Promise<RunningService> {
  const readModels = infra.readModels.readModels;
  const progress = new ProjectionProgress();
  const workers = startWorkers({
    eventStore: infra.eventStore,
    store: readModels,
    leases: infra.readModels.coordination,
    progress,
    leaseTtlMs: tuning.leaseTtlMs,
    versionCheckMs: tuning.versionCheckMs,
    log: (m) => infra.warn(m),
  });
  const unreportLags = PROJECTIONS.map(({ name }) =>
    reportLag(projectorLeaseName(name), async () => {
      const [status] = await projectionStatuses(readModels, infra.eventStore, [name]);
      return status.lag;
    }),
  );

  @Module({
    imports: [
      ProjectorModule.register({
        infra,
        readModels,
        progress,
        readYourWrites: tuning.readYourWrites,
      }),
    ],
  })
  class ProjectorApp {}

  const logger = createLogger('projector', infra.config.logLevel);
  const serve = async () => {
    const app = await createHttpApp(ProjectorApp, {
      title: 'query API',
      logger,
      trustProxy: infra.config.trustProxy,
    });
    return { app, url: await listen(app, port, 'QUERY_PORT') };
  };
  // The workers run already: a query API that cannot start stops them, not only the process.
  const { app, url } = await serve().catch(async (error: unknown) => {
    unreportLags.forEach((unreport) => unreport());
    await workers.stop();
    throw error;
  });
  return {
    name: 'projector',
    url,
    async close() {
      unreportLags.forEach((unreport) => unreport());
      await app.close();
      await workers.stop();
    },
  };
}
