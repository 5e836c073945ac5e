import { Body, Controller, HttpCode, Inject, Logger, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import type { AppConfig } from '../../../libs/platform/config/config';
import { RequestContext } from '../../../libs/platform/http/command-context';
import { APP_CONFIG } from '../../../libs/platform/infrastructure/infrastructure.module';
import { MAIL_QUEUE, type MailQueue } from '../../../libs/platform/mail/mail-queue';
import { resendVerification } from './resend-verification';
import { ResendVerificationRequest, ResendVerificationResponse } from './resend-verification.dto';

@ApiTags('auth')
@Controller('auth')
export class ResendVerificationController {
  private readonly logger = new Logger('resend-verification');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MAIL_QUEUE) private readonly mails: MailQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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
    const deps = { store: this.store, mails: this.mails, publicUrl: this.config.publicUrl };
    await resendVerification(deps, body.email, context).catch((error: unknown) =>
      // Logged, not answered: a failure must not tell the caller the account exists.
      this.logger.error(`verification email not resent: ${(error as Error).message}`),
    );
    return { status: 'accepted' };
  }
}
