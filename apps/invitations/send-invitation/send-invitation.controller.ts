import { Body, Controller, HttpCode, Inject, Post, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
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
import { INVITATION_DEPS } from '../http/invitation-deps.provider';
import type { InvitationDeps } from '../http/invitation-deps';
import type { FixedWindowLimiter } from '../../../libs/platform/rate-limit/fixed-window-limiter';
import { INVITATION_RATE_LIMITER } from '../rate-limit/invitation-rate-limiter';
import { SendInvitationRequest, SendInvitationResponse } from './send-invitation.dto';
import { sendInvitation } from './send-invitation';
import { ApiConflicts, ApiUnavailable } from '../../../libs/platform/http/api-responses';

@ApiTags('invitations')
@ApiBearerAuth()
@Controller('invitations')
@UseGuards(AuthGuard, VendorOnly, VerifiedSender)
export class SendInvitationController {
  constructor(
    @Inject(INVITATION_DEPS) private readonly deps: InvitationDeps,
    @Inject(INVITATION_RATE_LIMITER) private readonly rateLimiter: FixedWindowLimiter,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({
    type: SendInvitationResponse,
    description: 'Sent; the email carries the accept link.',
  })
  @ApiConflicts('`invitation_already_pending` (with `invitationId`)')
  @ApiForbiddenResponse({
    description:
      '`wrong_account_type`, or `email_unverified` (with `INVITATIONS_REQUIRE_VERIFIED_SENDER=true`)',
  })
  @ApiBadRequestResponse({ description: '`validation_failed`' })
  @ApiTooManyRequestsResponse({ description: '`rate_limited`' })
  @ApiUnavailable('rate_limits_unavailable', 'event_store_unavailable', 'auth_unavailable')
  async send(
    @CurrentPrincipal() vendor: Principal,
    @Body() body: SendInvitationRequest,
    @RequestContext() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SendInvitationResponse> {
    const { response, position } = await this.rateLimiter.counting(vendor.companyId, () =>
      sendInvitation(this.deps, vendor, body, context),
    );
    setEventPosition(reply, position);
    return response;
  }
}
