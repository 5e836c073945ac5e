import {
  Controller,
  Get,
  Header,
  Inject,
  Logger,
  Module,
  Optional,
  ServiceUnavailableException,
  type DynamicModule,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TerminusModule,
  type HealthCheckResult,
} from '@nestjs/terminus';
import { AnyQuery } from '../http/unexpected-query.guard';
import { registry } from './metrics';
import { errorMessage } from '../errors/error-message';
import { withTimeout } from '../async/with-timeout';
import { SERVICE_LOG, type ServiceLog } from './logger';
import { describeDown, ReadinessChanges, type DownCheck } from './readiness-changes';

/** Named readiness checks: each resolves when its dependency answers, rejects otherwise. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

const READINESS = Symbol('READINESS');
const CHECK_TIMEOUT_MS = 2000;

/** `/health` (the process is alive), `/ready` (its dependencies answer), `/metrics` (Prometheus). */
@ApiExcludeController()
@AnyQuery()
@Controller()
class OpsController {
  private readonly changes: ReadinessChanges;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS) private readonly checks: ReadinessChecks,
    // The service's own log where InfrastructureModule gives one; Nest's in tests without it.
    @Optional() @Inject(SERVICE_LOG) logs?: ServiceLog,
  ) {
    this.changes = new ReadinessChanges(logs?.('ready') ?? new Logger('ready'));
  }

  @Get('health')
  alive() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  async ready() {
    try {
      const result = await this.health.check(
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
      this.changes.up();
      return result;
    } catch (error) {
      throw this.notReady(error);
    }
  }

  /** Terminus's 503, with a detail naming the failing checks where its own said only its class. */
  private notReady(error: unknown): unknown {
    if (!(error instanceof ServiceUnavailableException)) return error;
    const result = error.getResponse() as HealthCheckResult;
    if (result.status !== 'error') return error;
    const down = downChecks(result);
    this.changes.down(down);
    return new ServiceUnavailableException({
      ...result,
      message: `Not ready: ${describeDown(down)}`,
    });
  }

  @Get('metrics')
  @Header('content-type', registry.contentType)
  metrics() {
    return registry.metrics();
  }
}

function downChecks(result: HealthCheckResult): DownCheck[] {
  return Object.entries(result.details)
    .filter(([, check]) => check.status === 'down')
    .map(([name, check]) => ({
      name,
      ...(typeof check.message === 'string' ? { message: check.message } : {}),
    }));
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
