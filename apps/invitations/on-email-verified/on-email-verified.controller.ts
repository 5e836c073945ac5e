import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  correlationIdOf,
  IntegrationEventTypes,
  type CloudEvent,
  type EmailVerifiedV1,
} from '../../../libs/contracts';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import { CloudEventContext, RethrowRpcErrors } from '../../../libs/messaging';
import { completeDeferredAcceptances } from './complete-deferred-acceptances';

/**
 * identity's EmailVerified, from the queue `invitations.identity.email-verified.v1`
 * (validated by the transport before it gets here). At-least-once delivery is
 * fine: handling the same event twice records nothing the second time. A
 * failure reaches the broker as it is, so a dead letter names its cause.
 */
@Controller()
@UseFilters(new RethrowRpcErrors())
export class OnEmailVerifiedController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @EventPattern(IntegrationEventTypes.emailVerified)
  async handle(
    @Payload() event: CloudEvent<EmailVerifiedV1>,
    @Ctx() context: CloudEventContext,
  ): Promise<void> {
    await completeDeferredAcceptances(
      this.store,
      { userId: event.data.userId, verifiedAt: event.data.verifiedAt },
      {
        // A publisher may carry it only as the AMQP property, as the contract's example does.
        correlationId: correlationIdOf(event) ?? context.getInfo().correlationId ?? event.id,
        causationId: event.id,
        actor: 'service:invitations',
        now: new Date(),
      },
    );
  }
}
