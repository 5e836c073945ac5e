import { Module } from '@nestjs/common';
import { createHttpApp } from '../../libs/platform/http/create-http-app';
import { createLogger } from '../../libs/platform/observability/logger';
import type { Infrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { listen } from '../../libs/platform/infrastructure/listen';
import type { RunningService } from '../../libs/platform/infrastructure/run-services';
import { IdentityModule } from './identity.module';

/**
 * Starts identity on `port` (0: any free port) on all interfaces; the returned
 * url carries the real port. Closing stops the forwarder, then the server.
 */
export async function startIdentity(
  infra: Infrastructure,
  port = infra.config.ports.identity,
): Promise<RunningService> {
  const logger = createLogger('identity', infra.config.logLevel);
  @Module({ imports: [IdentityModule.register(infra, { logger })] })
  class IdentityApp {}

  const app = await createHttpApp(IdentityApp, {
    title: 'identity',
    logger,
    trustProxy: infra.config.trustProxy,
  });
  const url = await listen(app, port, 'IDENTITY_PORT');
  return { name: 'identity', url, close: () => app.close() };
}
