import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import { AppError } from '../../../libs/platform/errors/app-error';

const READY_TIMEOUT_MS = 2000;

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get('health')
  @ApiOkResponse({ description: 'The process is alive.' })
  health() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'The event store answers.' })
  @ApiServiceUnavailableResponse({ description: '`not_ready`' })
  async ready() {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.store.headPosition(), timeout]);
    } catch {
      throw new AppError('unavailable', 'not_ready', 'The event store does not answer.');
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok' };
  }
}
