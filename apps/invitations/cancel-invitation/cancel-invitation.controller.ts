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
import {
  handleCommand,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { RequestContext } from '../../../libs/platform/http/command-context';
import { VendorOnly } from '../http/account-type.guard';
import type { InvitationDeps } from '../http/invitation-deps';
import { INVITATION_DEPS } from '../http/invitation-deps.provider';
import { invitationMailLabel } from '../http/invitation-email';
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
  constructor(@Inject(INVITATION_DEPS) private readonly deps: InvitationDeps) {}

  /**
   * Cancelling again answers 200 and records nothing. A cancel drops the invitation's email if
   * it is still queued (a mail server down, say): it would name the vendor to someone the
   * invitation no longer concerns ("sent to the wrong address"), its link answering 410.
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
    const invitationId = invitationIdParam(rawId, 'invitation_not_found');
    const stream = invitationStream(invitationId);
    const { position, events } = await handleCommand(
      this.deps.store,
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
    if (events.length > 0) this.deps.mails.withdraw(invitationMailLabel(invitationId));
    setEventPosition(reply, position);
    return { status: 'cancelled' };
  }
}
