import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ClientAddress } from '../../../libs/platform/http/client-address';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FixedWindowLimiter } from '../../../libs/platform/rate-limit/fixed-window-limiter';
import { REGISTRATION_RATE_LIMITER } from '../register/registration-rate-limiter';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import { RequestContext } from '../../../libs/platform/http/command-context';
import { VERIFICATION_MAILING, type VerificationMailing } from '../register/verification-email';
import { resendVerification } from './resend-verification';
import { ResendVerificationRequest, ResendVerificationResponse } from './resend-verification.dto';
import { ApiUnavailable } from '../../../libs/platform/http/api-responses';
import { errorMessage } from '../../../libs/platform/errors/error-message';
import {
  SERVICE_LOG,
  type PartLog,
  type ServiceLog,
} from '../../../libs/platform/observability/logger';

@ApiTags('auth')
@Controller('auth')
// A failure of the event store is logged, not answered (see below): only the limiter's can show.
@ApiUnavailable('rate_limits_unavailable')
export class ResendVerificationController {
  private readonly logger: PartLog;

  constructor(
    @Inject(VERIFICATION_MAILING) private readonly mailing: VerificationMailing,
    @Inject(REGISTRATION_RATE_LIMITER) private readonly limiter: FixedWindowLimiter,
    @Inject(SERVICE_LOG) logs: ServiceLog,
  ) {
    this.logger = logs('resend-verification');
  }

  @Post('resend-verification')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: ResendVerificationResponse,
    description:
      'The same answer whether or not the email belongs to an unverified account (no account ' +
      'discovery). An unverified account gets a new link, at most once a minute; earlier links keep working until they expire.',
  })
  @ApiBadRequestResponse({ description: '`validation_failed`' })
  @ApiTooManyRequestsResponse({
    description:
      '`rate_limited` (with `Retry-After`): too many registrations and verification resends from ' +
      'this client address this hour, whatever the email',
  })
  async resend(
    @Body() body: ResendVerificationRequest,
    @RequestContext() context: CommandContext,
    @ClientAddress() ip: string,
  ): Promise<ResendVerificationResponse> {
    // Counted per address, whatever the email, so a refusal says nothing of any account.
    await this.limiter.take(ip);
    await resendVerification(this.mailing, body.email, context).catch((error: unknown) =>
      // Logged, not answered: a failure must not tell the caller the account exists.
      this.logger.error(`verification email not resent: ${errorMessage(error)}`),
    );
    return { status: 'accepted' };
  }
}
