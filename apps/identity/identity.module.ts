import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../../libs/platform/config/config';
import type { Infrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { OpsEndpointsModule } from '../../libs/platform/observability/ops-endpoints.module';
import {
  APP_CONFIG,
  InfrastructureModule,
} from '../../libs/platform/infrastructure/infrastructure.module';
import { JwksController } from './jwks/jwks.controller';
import { loadSigningKey, SIGNING_KEY } from './keys/signing-key';
import { LoginController } from './login/login.controller';
import { LOGIN_THROTTLE, loginThrottle } from './login/login-throttle';
import { EmailVerifiedForwarder } from './publish-email-verified/email-verified.forwarder';
import { RegisterController } from './register/register.controller';
import { ResendVerificationController } from './resend-verification/resend-verification.controller';
import { VerifyEmailController } from './verify-email/verify-email.controller';

const signingKey = {
  provide: SIGNING_KEY,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) =>
    loadSigningKey({ configured: config.jwtPrivateKey, dataDir: config.dataDir }),
};

export interface IdentityOptions {
  /** Milliseconds since the epoch for the login throttle; tests pass a fake one. */
  clock?: () => number;
}

/**
 * The identity service: register, verify email, login (throttled per email and
 * client address), JWKS, the EmailVerified forwarder, and /health, /ready (the
 * event store answers) and /metrics.
 */
@Module({})
export class IdentityModule {
  static register(infra: Infrastructure, options: IdentityOptions = {}): DynamicModule {
    return {
      module: IdentityModule,
      imports: [
        InfrastructureModule.forRoot(infra),
        OpsEndpointsModule.register({ eventStore: () => infra.eventStore.headPosition() }),
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
        EmailVerifiedForwarder,
        { provide: LOGIN_THROTTLE, useValue: loginThrottle(infra.config.rateLimit, options.clock) },
      ],
    };
  }
}
