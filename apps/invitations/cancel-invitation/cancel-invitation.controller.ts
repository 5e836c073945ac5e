import { Body, Controller, HttpCode, Inject, Param, Post, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/auth.guard';
import type { Principal } from '../../../libs/auth/principal';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import {
  handleCommand,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { RequestContext } from '../../../libs/platform/http/command-context';
import { VendorOnly } from '../http/account-type.guard';
import { setEventPosition } from '../../../libs/platform/http/event-position';
import { invitationIdParam } from '../http/invitation-id';
import { invitationDecider } from '../invitation/decide';
import { invitationStream } from '../invitation/invitation.events';
import { CancelInvitationRequest, CancelInvitationResponse } from './cancel-invitation.dto';
import { ApiConflicts, ApiUnavailable } from '../../../libs/platform/http/api-responses';

@ApiTags('invitations')
@ApiBearerAuth()
@Controller('invitations')
@UseGuards(AuthGuard, VendorOnly)
@ApiUnavailable('event_store_unavailable', 'auth_unavailable')
export class CancelInvitationController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /**
   * Cancelling again answers 200 and records nothing. The invitation's email, if still queued (a
   * mail server down, say), is not sent: the mail queue asks the stream before each attempt.
   */
  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: CancelInvitationResponse })
  @ApiConflicts('`invitation_already_accepted`')
  @ApiForbiddenResponse({ description: '`wrong_account_type`' })
  @ApiNotFoundResponse({ description: '`invitation_not_found`' })
  async cancel(
    @CurrentPrincipal() vendor: Principal,
    @Param('id') rawId: string,
    @Body() body: CancelInvitationRequest = {},
    @RequestContext() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CancelInvitationResponse> {
    const stream = invitationStream(invitationIdParam(rawId, 'invitation_not_found'));
    const { position } = await handleCommand(
      this.store,
      invitationDecider,
      stream,
      {
        type: 'CancelInvitation',
        vendorId: vendor.companyId,
        cancelledBy: vendor.userId,
        reason: body?.reason,
      },
      context,
    );
    setEventPosition(reply, position);
    return { status: 'cancelled' };
  }
}
