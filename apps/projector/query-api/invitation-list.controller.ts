import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/auth.guard';
import type { Principal } from '../../../libs/auth/principal';
import { READ_MODELS, type ReadModelQueries } from '../../../libs/read-store/read-models.port';
import { INVITATIONS_READ_MODEL } from '../projector/projections';
import { ApiOwnCompanyOnly, ownCompany } from './company-access';
import { invitationCursor, queryOf, readInvitationCursor } from './cursor';
import { InvitationPage } from './list-pages.response';
import { DEFAULT_LIMIT, InvitationListQuery } from './list-queries.dto';
import { MinPosition, ReadYourWrites } from './read-your-writes';
import { ApiUnavailable } from '../../../libs/platform/http/api-responses';

@ApiTags('query')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('vendors/:vendorId/invitations')
@ApiUnavailable('projection_lagging', 'read_models_unavailable', 'auth_unavailable')
@ApiOwnCompanyOnly()
export class InvitationListController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelQueries,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** The vendor's invitations, newest first. */
  @Get()
  @ApiOkResponse({ type: InvitationPage })
  @ApiHeader({
    name: 'X-Min-Position',
    required: false,
    description: 'Wait until the invitation list has reached this event position.',
  })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('vendorId') vendorIdParam: string,
    @Query() query: InvitationListQuery,
    @MinPosition() minPosition?: bigint,
  ) {
    const vendorId = ownCompany(principal, 'vendor', vendorIdParam);
    const q = queryOf(vendorId, query.status, query.email);
    const after = readInvitationCursor(q, query.cursor);
    await this.readYourWrites.reach(minPosition, INVITATIONS_READ_MODEL);
    const page = await this.readModels.listInvitations(INVITATIONS_READ_MODEL, {
      vendorId,
      status: query.status,
      email: query.email,
      limit: query.limit ?? DEFAULT_LIMIT,
      after,
    });
    return { items: page.items, nextCursor: page.next ? invitationCursor(q, page.next) : null };
  }
}
