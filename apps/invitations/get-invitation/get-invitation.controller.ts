import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/auth.guard';
import type { Principal } from '../../../libs/auth/principal';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import { readHistory } from '../../../libs/platform/command-handling/command-handler';
import { notFound } from '../../../libs/platform/errors/app-error';
import { VendorOnly } from '../http/account-type.guard';
import { invitationIdParam } from '../http/invitation-id';
import { invitationStream } from '../invitation/invitation.events';
import { InvitationResponse } from '../../../libs/contracts/invitation-view.response';
import { invitationView, type InvitationView } from './invitation-view';
import { ApiUnavailable } from '../../../libs/platform/http/api-responses';

@ApiTags('invitations')
@ApiBearerAuth()
@Controller('invitations')
@UseGuards(AuthGuard, VendorOnly)
@ApiUnavailable('event_store_unavailable', 'auth_unavailable')
export class GetInvitationController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Read from the event store, so it reflects every acknowledged command. */
  @Get(':id')
  @ApiOkResponse({ type: InvitationResponse })
  @ApiNotFoundResponse({
    description: '`invitation_not_found` (also for another vendor’s invitation)',
  })
  @ApiForbiddenResponse({ description: '`wrong_account_type`' })
  async get(
    @CurrentPrincipal() vendor: Principal,
    @Param('id') rawId: string,
  ): Promise<InvitationView> {
    const id = invitationIdParam(rawId, 'invitation_not_found');
    const view = invitationView(await readHistory(this.store, invitationStream(id)), new Date());
    if (!view || view.vendorId !== vendor.companyId)
      throw notFound('invitation_not_found', 'No such invitation.');
    return view;
  }
}
