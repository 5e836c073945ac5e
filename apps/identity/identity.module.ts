import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../../libs/platform/config/config';
import type { Infrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { commandStoreChecks } from '../../libs/platform/infrastructure/readiness';
import { OpsEndpointsModule } from '../../libs/platform/observability/ops-endpoints.module';
import {
  APP_CONFIG,
  InfrastructureModule,
} from '../../libs/platform/infrastructure/infrastructure.module';
import { mailingProvider, wantedWhile } from '../../libs/platform/infrastructure/mailing.provider';
import { JwksController } from './jwks/jwks.controller';
import { loadSigningKey, SIGNING_KEY } from './keys/signing-key';
import { LoginController } from './login/login.controller';
import { LOGIN_THROTTLE, loginThrottle } from './login/login-throttle';
import {
  REGISTRATION_RATE_LIMITER,
  registrationRateLimiter,
} from './register/registration-rate-limiter';
import {
  EmailVerifiedForwarder,
  IDENTITY_FORWARDER,
} from './publish-email-verified/email-verified.forwarder';
import { RegisterController } from './register/register.controller';
import { VERIFICATION_MAILING, type VerificationMailing } from './register/verification-email';
import { ResendVerificationController } from './resend-verification/resend-verification.controller';
import { VerifyEmailController } from './verify-email/verify-email.controller';
import { userDecider, verificationEmailWanted } from './user/user.decider';

const signingKey = {
  provide: SIGNING_KEY,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) =>
    loadSigningKey({
      configured: config.jwtPrivateKey,
      published: config.jwtPublishedKeys,
      dataDir: config.dataDir,
    }),
};

/** Verification emails: spooled before the answer, delivered after it, unless verified meanwhile. */
const verificationMailing = mailingProvider(
  VERIFICATION_MAILING,
  'identity',
  wantedWhile(userDecider, verificationEmailWanted),
);

export interface IdentityOptions {
  /** Milliseconds since the epoch for the login throttle and sign-up limit; tests pass a fake one. */
  clock?: () => number;
  /** The service's log; without it (tests), Nest's. */
  logger?: Logger;
}

/**
 * The identity service: register, verify email, login (throttled per email and
 * client address), JWKS, the EmailVerified forwarder, and /health, /ready (the
 * event store answers) and /metrics. Shutting down delivers the queued
 * verification emails once the server has stopped taking requests.
 */
@Module({})
export class IdentityModule implements OnApplicationShutdown {
  constructor(@Inject(VERIFICATION_MAILING) private readonly mailing: VerificationMailing) {}

  onApplicationShutdown(): Promise<void> {
    return this.mailing.mails.close();
  }

  static register(infra: Infrastructure, options: IdentityOptions = {}): DynamicModule {
    return {
      module: IdentityModule,
      imports: [
        InfrastructureModule.forRoot(infra, options.logger),
        OpsEndpointsModule.register(commandStoreChecks(infra, IDENTITY_FORWARDER)),
      ],
      controllers: [
        RegisterController,
        VerifyEmailController,
        ResendVerificationController,
        LoginController,
        JwksController,
      ],
      providers: [
        signingKey,
        verificationMailing,
        EmailVerifiedForwarder,
        {
          provide: REGISTRATION_RATE_LIMITER,
          useValue: registrationRateLimiter(
            infra.config.rateLimit.registrationsPerHour,
            infra.readModels.rateLimits,
            options.clock,
          ),
        },
        {
          provide: LOGIN_THROTTLE,
          useValue: loginThrottle(
            infra.config.rateLimit,
            infra.readModels.rateLimits,
            options.clock,
          ),
        },
      ],
    };
  }
}
