import { Controller, Get, Header, Inject, Module, type DynamicModule } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TerminusModule,
} from '@nestjs/terminus';
import { AnyQuery } from '../http/unexpected-query.guard';
import { registry } from './metrics';
import { errorMessage } from '../errors/error-message';
import { withTimeout } from '../async/with-timeout';

/** Named readiness checks: each resolves when its dependency answers, rejects otherwise. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

const READINESS = Symbol('READINESS');
const CHECK_TIMEOUT_MS = 2000;

/** `/health` (the process is alive), `/ready` (its dependencies answer), `/metrics` (Prometheus). */
@ApiExcludeController()
@AnyQuery()
@Controller()
class OpsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS) private readonly checks: ReadinessChecks,
  ) {}

  @Get('health')
  alive() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      Object.entries(this.checks).map(([name, check]) => async () => {
        const session = this.indicators.check(name);
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS, () => new Error('timed out'));
          return session.up();
        } catch (error) {
          return session.down({ message: errorMessage(error) });
        }
      }),
    );
  }

  @Get('metrics')
  @Header('content-type', registry.contentType)
  metrics() {
    return registry.metrics();
  }
}

@Module({})
export class OpsEndpointsModule {
  static register(checks: ReadinessChecks): DynamicModule {
    return {
      module: OpsEndpointsModule,
      imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
      controllers: [OpsController],
      providers: [{ provide: READINESS, useValue: checks }],
    };
  }
}
