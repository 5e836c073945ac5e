import {
  Body,
  Controller,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/auth.guard';
import type { Principal } from '../../../libs/auth/principal';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import { RequestContext } from '../../../libs/platform/http/command-context';
import { CustomerOnly } from '../http/account-type.guard';
import { setEventPosition } from '../../../libs/platform/http/event-position';
import { invitationIdParam } from '../http/invitation-id';
import {
  AcceptanceDeferredResponse,
  AcceptInvitationRequest,
  AcceptLinkQuery,
  InvitationAcceptedResponse,
  type AcceptInvitationResponse,
} from './accept-invitation.dto';
import { acceptInvitation } from './accept-invitation';
import { ApiConflicts, ApiUnavailable } from '../../../libs/platform/http/api-responses';

@ApiTags('invitations')
@ApiBearerAuth()
@Controller('invitations')
@UseGuards(AuthGuard, CustomerOnly)
@ApiUnavailable('event_store_unavailable', 'auth_unavailable')
export class AcceptInvitationController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOkResponse({
    type: InvitationAcceptedResponse,
    description: 'Accepted (also when accepted again by the same company).',
  })
  @ApiAcceptedResponse({
    type: AcceptanceDeferredResponse,
    description: 'Completes when the email is verified.',
  })
  @ApiForbiddenResponse({ description: '`wrong_account_type`, `email_mismatch`' })
  @ApiNotFoundResponse({ description: '`invitation_invalid`' })
  @ApiGoneResponse({
    description: '`invitation_link_superseded`, `invitation_expired`, `invitation_cancelled`',
  })
  @ApiConflicts('`invitation_already_accepted`')
  async accept(
    @CurrentPrincipal() customer: Principal,
    @Param('id') rawId: string,
    @Body() body: AcceptInvitationRequest,
    @Query() _link: AcceptLinkQuery,
    @RequestContext() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AcceptInvitationResponse> {
    const id = invitationIdParam(rawId, 'invitation_invalid');
    const { response, position } = await acceptInvitation(
      this.store,
      customer,
      id,
      body.token,
      context,
    );
    if (response.status === 'pending') void reply.status(202);
    setEventPosition(reply, position);
    return response;
  }
}
