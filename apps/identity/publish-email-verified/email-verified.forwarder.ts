import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import type { Broker } from '../../../libs/messaging';
import { BROKER } from '../../../libs/platform/infrastructure/infrastructure.module';
import {
  CHECKPOINT_STORE,
  LEASE_STORE,
  type CheckpointStore,
  type LeaseStore,
} from '../../../libs/read-store/coordination.port';
import { startForwarder, type Forwarder } from '../../../libs/messaging';
import { PUBLISHED_EVENT_TYPES, toIntegrationEvent } from './email-verified.mapping';
import { errorMessage } from '../../../libs/platform/errors/error-message';
import {
  SERVICE_LOG,
  type PartLog,
  type ServiceLog,
} from '../../../libs/platform/observability/logger';

export const IDENTITY_FORWARDER = 'identity-forwarder';

/**
 * Publishes identity's integration events from the event store (the outbox)
 * while the service runs: one active instance at a time, resuming from its
 * durable checkpoint.
 */
@Injectable()
export class EmailVerifiedForwarder
  implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger: PartLog;
  private forwarder?: Forwarder;
  private stopping?: Promise<void>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore,
    @Inject(LEASE_STORE) private readonly leases: LeaseStore,
    @Inject(BROKER) private readonly broker: Broker,
    @Inject(SERVICE_LOG) logs: ServiceLog,
  ) {
    this.logger = logs(IDENTITY_FORWARDER);
  }

  onApplicationBootstrap(): void {
    this.forwarder = startForwarder({
      name: IDENTITY_FORWARDER,
      store: this.store,
      checkpoints: this.checkpoints,
      leases: this.leases,
      broker: this.broker,
      map: toIntegrationEvent,
      types: PUBLISHED_EVENT_TYPES,
      onError: (error) =>
        this.logger.warn(`${IDENTITY_FORWARDER} will retry: ${errorMessage(error)}`),
      warn: (message) => this.logger.warn(message),
    });
  }

  // Nest closes the HTTP server only after every onModuleDestroy: the stop, which may wait out a
  // publish to a broker that is down, begins here and is awaited once the server has closed.
  onModuleDestroy(): void {
    this.stopping = this.forwarder?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopping;
  }
}
