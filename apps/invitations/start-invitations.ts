import { Module } from '@nestjs/common';
import { CloudEventsTransport, startForwarder } from '../../libs/messaging';
import { createHttpApp } from '../../libs/platform/http/create-http-app';
import type { Infrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { listen } from '../../libs/platform/infrastructure/listen';
import type { RunningService } from '../../libs/platform/infrastructure/run-services';
import { createLogger } from '../../libs/platform/observability/logger';
import {
  createInvitationExpiry,
  startExpiryScheduler,
  type InvitationExpiry,
} from './expire-invitations/invitation-expiry';
import { InvitationsModule } from './invitations.module';
import {
  INVITATIONS_FORWARDER,
  PUBLISHED_EVENT_TYPES,
  toIntegrationEvent,
} from './publish-integration-events/to-integration-event';
import { errorMessage } from '../../libs/platform/errors/error-message';

export interface RunningInvitations extends RunningService {
  /** The scheduler's work, callable directly (tests, ops). */
  expireDue: InvitationExpiry['expireDue'];
}

/**
 * Starts the invitation service: HTTP on `port` (0: any free port), the
 * EmailVerified consumer, the integration-event forwarder and the expiry
 * scheduler (each background worker active on one instance at a time).
 * Closing stops the workers, then the consumer and the server.
 */
export async function startInvitations(
  infra: Infrastructure,
  port = infra.config.ports.invitations,
  options: {
    expiryIntervalMs?: number;
    /** Names the consumer's queues `<consumerName>.<type>`; tests on a shared broker pass a unique one. */
    consumerName?: string;
  } = {},
): Promise<RunningInvitations> {
  const logger = createLogger('invitations', infra.config.logLevel);
  @Module({ imports: [InvitationsModule.register(infra, logger)] })
  class InvitationsApp {}

  const app = await createHttpApp(InvitationsApp, {
    title: 'invitations',
    logger,
    trustProxy: infra.config.trustProxy,
  });
  app.connectMicroservice(
    {
      strategy: new CloudEventsTransport({
        broker: infra.broker,
        service: options.consumerName ?? 'invitations',
        prefetch: infra.config.rabbitmqPrefetch,
        handlerTimeoutMs: infra.config.messageHandlerTimeoutSeconds * 1000,
      }),
    },
    { inheritAppConfig: false },
  );
  await app.startAllMicroservices();
  const url = await listen(app, port, 'INVITATIONS_PORT');

  // Its own log, not Nest's static one: that is the last app's where `npm start` runs three.
  const log = logger.child({ context: 'invitations' });
  const leases = infra.readModels.coordination;
  const forwarder = startForwarder({
    name: INVITATIONS_FORWARDER,
    store: infra.eventStore,
    checkpoints: leases,
    leases,
    broker: infra.broker,
    map: toIntegrationEvent,
    types: PUBLISHED_EVENT_TYPES,
    onError: (error) => log.warn(`${INVITATIONS_FORWARDER} will retry: ${errorMessage(error)}`),
    warn: (message) => log.warn(message),
  });
  const expiry = createInvitationExpiry(infra.eventStore);
  const scheduler = startExpiryScheduler({
    expiry,
    leases,
    intervalMs: options.expiryIntervalMs,
    onError: (error) => log.warn(`expiry will retry: ${errorMessage(error)}`),
    log: (message) => log.warn(message),
  });

  return {
    name: 'invitations',
    url,
    expireDue: (now) => expiry.expireDue(now),
    async close() {
      // Together: a forwarder stop may wait out a publish to a broker that is down, and requests
      // must not be taken meanwhile. Neither worker needs the server; the store closes later.
      await Promise.all([scheduler.stop(), forwarder.stop(), app.close()]);
    },
  };
}
