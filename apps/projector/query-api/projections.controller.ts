import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthGuard } from '../../../libs/auth/auth.guard';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import { READ_MODELS, type ProjectionStore } from '../../../libs/read-store/read-models.port';
import { projectionStatuses } from '../projector/projection-status';
import { ProjectionStatusResponse } from './list-pages.response';
import { PROJECTIONS } from '../projector/projections';
import { ApiUnavailable } from '../../../libs/platform/http/api-responses';
import { unavailableOnFailure } from '../../../libs/platform/errors/app-error';

/** Where each projection stands: position, lag behind the event-store head, last event, health. */
@ApiTags('query')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('projections')
@ApiUnavailable('read_models_unavailable', 'event_store_unavailable', 'auth_unavailable')
export class ProjectionsController {
  private readonly eventStore: EventStore;

  constructor(
    @Inject(READ_MODELS) private readonly store: ProjectionStore,
    @Inject(EVENT_STORE) eventStore: EventStore,
  ) {
    this.eventStore = unavailableOnFailure(
      eventStore,
      'event_store_unavailable',
      'The event store',
    );
  }

  @Get()
  @ApiOkResponse({ type: [ProjectionStatusResponse] })
  list() {
    return projectionStatuses(
      this.store,
      this.eventStore,
      PROJECTIONS.map((p) => p.name),
    );
  }
}
