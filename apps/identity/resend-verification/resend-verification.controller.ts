import { Body, Controller, HttpCode, Inject, Logger, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiTags } from '@nestjs/swagger';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import { RequestContext } from '../../../libs/platform/http/command-context';
import { VERIFICATION_MAILING, type VerificationMailing } from '../register/verification-email';
import { resendVerification } from './resend-verification';
import { ResendVerificationRequest, ResendVerificationResponse } from './resend-verification.dto';
import { ApiUnavailable } from '../../../libs/platform/http/api-responses';

@ApiTags('auth')
@Controller('auth')
@ApiUnavailable('event_store_unavailable')
export class ResendVerificationController {
  private readonly logger = new Logger('resend-verification');

  constructor(@Inject(VERIFICATION_MAILING) private readonly mailing: VerificationMailing) {}

  @Post('resend-verification')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: ResendVerificationResponse,
    description:
      'The same answer whether or not the email belongs to an unverified account (no account ' +
      'discovery). An unverified account gets a new link, at most once a minute; earlier links stop working.',
  })
  @ApiBadRequestResponse({ description: '`validation_failed`' })
  async resend(
    @Body() body: ResendVerificationRequest,
    @RequestContext() context: CommandContext,
  ): Promise<ResendVerificationResponse> {
    await resendVerification(this.mailing, body.email, context).catch((error: unknown) =>
      // Logged, not answered: a failure must not tell the caller the account exists.
      this.logger.error(`verification email not resent: ${(error as Error).message}`),
    );
    return { status: 'accepted' };
  }
}
