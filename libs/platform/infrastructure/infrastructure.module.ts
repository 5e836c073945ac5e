import { Global, Module, type DynamicModule } from '@nestjs/common';
import { JWT_VERIFIER } from '../../auth/jwt-verifier';
import { AuthGuard } from '../../auth/auth.guard';
import { EVENT_STORE } from '../../event-store/event-store.port';
import { CHECKPOINT_STORE, LEASE_STORE } from '../../read-store/coordination.port';
import { MAILER } from '../mail/mailer';
import type { Logger } from 'pino';
import { SERVICE_LOG, serviceLog } from '../observability/logger';
import type { Infrastructure } from './infrastructure';

export const INFRASTRUCTURE = Symbol('INFRASTRUCTURE');
export const APP_CONFIG = Symbol('APP_CONFIG');
export const BROKER = Symbol('BROKER');

/**
 * Exposes one Infrastructure to a service's Nest container under stable
 * tokens, with the service's own log (`SERVICE_LOG`).
 */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(infra: Infrastructure, logger?: Logger): DynamicModule {
    const providers = [
      { provide: INFRASTRUCTURE, useValue: infra },
      { provide: APP_CONFIG, useValue: infra.config },
      { provide: EVENT_STORE, useValue: infra.eventStore },
      { provide: CHECKPOINT_STORE, useValue: infra.readModels.coordination },
      { provide: LEASE_STORE, useValue: infra.readModels.coordination },
      { provide: BROKER, useValue: infra.broker },
      { provide: MAILER, useValue: infra.mailer },
      { provide: JWT_VERIFIER, useValue: infra.jwtVerifier },
      { provide: SERVICE_LOG, useValue: serviceLog(logger) },
      AuthGuard,
    ];
    return {
      module: InfrastructureModule,
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}
