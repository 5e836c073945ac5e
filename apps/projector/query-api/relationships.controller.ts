import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/auth.guard';
import type { Principal } from '../../../libs/auth/principal';
import {
  READ_MODELS,
  type ReadModelQueries,
  type RelationshipQuery,
} from '../../../libs/read-store/read-models.port';
import { RELATIONSHIPS_READ_MODEL } from '../projector/projections';
import { ApiOwnCompanyOnly, ownCompany } from './company-access';
import {
  queryOf,
  readRelationshipCursor,
  relationshipCursor,
  type RelationshipList,
} from './cursor';
import { RelationshipPage } from './list-pages.response';
import { DEFAULT_LIMIT, RelationshipListQuery } from './list-queries.dto';
import { MinPosition, ReadYourWrites } from './read-your-writes';
import { ApiUnavailable } from '../../../libs/platform/http/api-responses';

const minPositionHeader = ApiHeader({
  name: 'X-Min-Position',
  required: false,
  description: 'Wait until the relationships read model has reached this event position.',
});

/** Vendor–customer relationships, from either side, newest first. */
@ApiTags('query')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller()
@ApiUnavailable('projection_lagging', 'read_models_unavailable', 'auth_unavailable')
@ApiOwnCompanyOnly()
export class RelationshipsController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelQueries,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('vendors/:vendorId/customers')
  @minPositionHeader
  @ApiOkResponse({ type: RelationshipPage })
  customers(
    @CurrentPrincipal() principal: Principal,
    @Param('vendorId') vendorId: string,
    @Query() query: RelationshipListQuery,
    @MinPosition() minPosition?: bigint,
  ) {
    return this.list(
      'customers',
      { vendorId: ownCompany(principal, 'vendor', vendorId) },
      query,
      minPosition,
    );
  }

  @Get('customers/:customerCompanyId/vendors')
  @minPositionHeader
  @ApiOkResponse({ type: RelationshipPage })
  vendors(
    @CurrentPrincipal() principal: Principal,
    @Param('customerCompanyId') customerCompanyId: string,
    @Query() query: RelationshipListQuery,
    @MinPosition() minPosition?: bigint,
  ) {
    return this.list(
      'vendors',
      { customerCompanyId: ownCompany(principal, 'customer', customerCompanyId) },
      query,
      minPosition,
    );
  }

  private async list(
    list: RelationshipList,
    owner: { vendorId: string } | { customerCompanyId: string },
    query: RelationshipListQuery,
    minPosition: bigint | undefined,
  ) {
    const q = queryOf('vendorId' in owner ? owner.vendorId : owner.customerCompanyId, query.status);
    const after = readRelationshipCursor(list, q, query.cursor);
    await this.readYourWrites.reach(minPosition, RELATIONSHIPS_READ_MODEL);
    const page = await this.readModels.listRelationships(RELATIONSHIPS_READ_MODEL, {
      ...owner,
      status: query.status,
      limit: query.limit ?? DEFAULT_LIMIT,
      after,
    } as RelationshipQuery);
    return {
      items: page.items,
      nextCursor: page.next ? relationshipCursor(list, q, page.next) : null,
    };
  }
}
