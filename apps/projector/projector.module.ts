import { Module, type DynamicModule } from '@nestjs/common';
import type { Infrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { InfrastructureModule } from '../../libs/platform/infrastructure/infrastructure.module';
import { OpsEndpointsModule } from '../../libs/platform/observability/ops-endpoints.module';
import { READ_MODELS, type ReadModels } from '../../libs/read-store/read-models.port';
import { ProjectionProgress } from './projector/progress';
import { InvitationListController } from './query-api/invitation-list.controller';
import { ProjectionsController } from './query-api/projections.controller';
import {
  READ_YOUR_WRITES_OPTIONS,
  ReadYourWrites,
  type ReadYourWritesOptions,
} from './query-api/read-your-writes';
import { RelationshipsController } from './query-api/relationships.controller';
import { unavailableOnFailure } from '../../libs/platform/errors/app-error';

export interface ProjectorModuleOptions {
  infra: Infrastructure;
  readModels: ReadModels;
  progress: ProjectionProgress;
  readYourWrites?: Partial<ReadYourWritesOptions>;
}

/** The query API over the read models, with /health, /ready (both stores answer) and /metrics. */
@Module({})
export class ProjectorModule {
  static register(o: ProjectorModuleOptions): DynamicModule {
    return {
      module: ProjectorModule,
      imports: [
        InfrastructureModule.forRoot(o.infra),
        OpsEndpointsModule.register({
          eventStore: () => o.infra.eventStore.headPosition(),
          readModels: () => o.readModels.projectionStates(),
        }),
      ],
      controllers: [InvitationListController, RelationshipsController, ProjectionsController],
      providers: [
        {
          provide: READ_MODELS,
          useValue: unavailableOnFailure(
            o.readModels,
            'read_models_unavailable',
            'The read models',
          ),
        },
        { provide: ProjectionProgress, useValue: o.progress },
        {
          provide: READ_YOUR_WRITES_OPTIONS,
          useValue: {
            timeoutMs: 5000,
            recheckMs: 250,
            ...o.readYourWrites,
          } satisfies ReadYourWritesOptions,
        },
        ReadYourWrites,
      ],
    };
  }
}
