import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Infrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { InfrastructureModule } from '../../libs/platform/infrastructure/infrastructure.module';
import { commandStoreChecks } from '../../libs/platform/infrastructure/readiness';
import { INVITATIONS_FORWARDER } from './publish-integration-events/to-integration-event';
import { OpsEndpointsModule } from '../../libs/platform/observability/ops-endpoints.module';
import { AcceptInvitationController } from './accept-invitation/accept-invitation.controller';
import { CancelInvitationController } from './cancel-invitation/cancel-invitation.controller';
import { GetInvitationController } from './get-invitation/get-invitation.controller';
import {
  CustomerOnly,
  REQUIRE_VERIFIED_SENDER,
  VendorOnly,
  VerifiedSender,
} from './http/account-type.guard';
import type { InvitationDeps } from './http/invitation-deps';
import { INVITATION_DEPS, invitationDepsProvider } from './http/invitation-deps.provider';
import { OnEmailVerifiedController } from './on-email-verified/on-email-verified.controller';
import { PreviewInvitationController } from './preview-invitation/preview-invitation.controller';
import {
  INVITATION_RATE_LIMITER,
  invitationRateLimiter,
} from './rate-limit/invitation-rate-limiter';
import { ResendInvitationController } from './resend-invitation/resend-invitation.controller';
import { SendInvitationController } from './send-invitation/send-invitation.controller';

/**
 * The invitation service's HTTP routes and its EmailVerified handler, plus
 * /health, /ready (event store and broker answer) and /metrics. The forwarder
 * and the expiry scheduler are started beside it by `startInvitations`.
 * Shutting down delivers the queued invitation emails once the server has stopped taking requests.
 */
@Module({})
export class InvitationsModule implements OnApplicationShutdown {
  constructor(@Inject(INVITATION_DEPS) private readonly deps: InvitationDeps) {}

  onApplicationShutdown(): Promise<void> {
    return this.deps.mails.close();
  }

  /** `logger`: the service's log; without it (tests), Nest's. */
  static register(infra: Infrastructure, logger?: Logger): DynamicModule {
    return {
      module: InvitationsModule,
      imports: [
        InfrastructureModule.forRoot(infra, logger),
        OpsEndpointsModule.register({
          ...commandStoreChecks(infra, INVITATIONS_FORWARDER),
          broker: async () => {
            if (!infra.broker.isHealthy()) throw new Error('broker not connected');
          },
        }),
      ],
      controllers: [
        SendInvitationController,
        GetInvitationController,
        ResendInvitationController,
        CancelInvitationController,
        AcceptInvitationController,
        PreviewInvitationController,
        OnEmailVerifiedController,
      ],
      providers: [
        invitationDepsProvider,
        VendorOnly,
        CustomerOnly,
        VerifiedSender,
        { provide: REQUIRE_VERIFIED_SENDER, useValue: infra.config.requireVerifiedSender },
        {
          provide: INVITATION_RATE_LIMITER,
          useValue: invitationRateLimiter(
            infra.config.rateLimit.invitationsPerMinute,
            infra.readModels.rateLimits,
          ),
        },
      ],
    };
  }
}
