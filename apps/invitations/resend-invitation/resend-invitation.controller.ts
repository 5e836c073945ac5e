import { Body, Controller, HttpCode, Inject, Param, Post, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/auth.guard';
import type { Principal } from '../../../libs/auth/principal';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import { RequestContext } from '../../../libs/platform/http/command-context';
import { VendorOnly, VerifiedSender } from '../http/account-type.guard';
import { setEventPosition } from '../../../libs/platform/http/event-position';
import type { InvitationDeps } from '../http/invitation-deps';
import { INVITATION_DEPS } from '../http/invitation-deps.provider';
import { invitationIdParam } from '../http/invitation-id';
import type { FixedWindowLimiter } from '../../../libs/platform/rate-limit/fixed-window-limiter';
import { INVITATION_RATE_LIMITER } from '../rate-limit/invitation-rate-limiter';
import { ResendInvitationRequest, ResendInvitationResponse } from './resend-invitation.dto';
import { resendInvitation } from './resend-invitation';
import { MAX_RESENDS } from '../invitation/decide';
import { ApiConflicts, ApiUnavailable } from '../../../libs/platform/http/api-responses';

@ApiTags('invitations')
@ApiBearerAuth()
@Controller('invitations')
@UseGuards(AuthGuard, VendorOnly, VerifiedSender)
export class ResendInvitationController {
  constructor(
    @Inject(INVITATION_DEPS) private readonly deps: InvitationDeps,
    @Inject(INVITATION_RATE_LIMITER) private readonly rateLimiter: FixedWindowLimiter,
  ) {}

  @Post(':id/resend')
  @HttpCode(200)
  @ApiOkResponse({
    type: ResendInvitationResponse,
    description: 'A new link is emailed; older links stop working.',
  })
  @ApiConflicts(
    '`invitation_not_resendable`: it is accepted or cancelled, or was resent ' +
      `${MAX_RESENDS} times already (cancel it and send a new invitation instead)`,
    '`invitation_already_pending`: a newer invitation to the same email is pending',
  )
  @ApiForbiddenResponse({
    description:
      '`wrong_account_type`, or `email_unverified` (with `INVITATIONS_REQUIRE_VERIFIED_SENDER=true`)',
  })
  @ApiNotFoundResponse({ description: '`invitation_not_found`' })
  @ApiTooManyRequestsResponse({ description: '`rate_limited`' })
  @ApiUnavailable('rate_limits_unavailable', 'event_store_unavailable', 'auth_unavailable')
  async resend(
    @CurrentPrincipal() vendor: Principal,
    @Param('id') rawId: string,
    @Body() body: ResendInvitationRequest = {},
    @RequestContext() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ResendInvitationResponse> {
    const id = invitationIdParam(rawId, 'invitation_not_found');
    const { response, position } = await this.rateLimiter.counting(vendor.companyId, () =>
      resendInvitation(this.deps, vendor, id, body?.expiresInDays, context),
    );
    setEventPosition(reply, position);
    return response;
  }
}
