import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import type { AppConfig } from '../../../libs/platform/config/config';
import { RequestContext } from '../../../libs/platform/http/command-context';
import { APP_CONFIG } from '../../../libs/platform/infrastructure/infrastructure.module';
import { MAIL_QUEUE, type MailQueue } from '../../../libs/platform/mail/mail-queue';
import { setEventPosition } from '../../../libs/platform/http/event-position';
import { RegisterRequest, RegisterResponse } from './register.dto';
import { registerUser } from './register-user';

@ApiTags('auth')
@Controller('auth')
export class RegisterController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MAIL_QUEUE) private readonly mails: MailQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('register')
  @HttpCode(201)
  @ApiCreatedResponse({
    type: RegisterResponse,
    description: 'Registered; a verification email is on its way.',
  })
  @ApiConflictResponse({ description: '`email_taken`' })
  @ApiBadRequestResponse({ description: '`validation_failed`' })
  async register(
    @Body() body: RegisterRequest,
    @RequestContext() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RegisterResponse> {
    const deps = { store: this.store, mails: this.mails, publicUrl: this.config.publicUrl };
    const { response, position } = await registerUser(deps, body, context);
    setEventPosition(reply, position);
    return response;
  }
}
