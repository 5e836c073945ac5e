import { Module } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { createHttpApp } from '../../libs/platform/http/create-http-app';
import { createLogger } from '../../libs/platform/observability/logger';
import type { Infrastructure } from '../../libs/platform/infrastructure/infrastructure';
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
  @Module({ imports: [IdentityModule.register(infra)] })
  class IdentityApp {}

  const logger = createLogger('identity', infra.config.logLevel);
  const app = await createHttpApp(IdentityApp, {
    title: 'identity',
    logger,
    trustProxy: infra.config.trustProxy,
  });
  await app.listen(port, '0.0.0.0');
  const { port: actual } = app.getHttpServer().address() as AddressInfo;
  return { name: 'identity', url: `http://127.0.0.1:${actual}`, close: () => app.close() };
}
