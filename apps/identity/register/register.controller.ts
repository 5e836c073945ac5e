import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import { RequestContext } from '../../../libs/platform/http/command-context';
import { setEventPosition } from '../../../libs/platform/http/event-position';
import { RegisterRequest, RegisterResponse } from './register.dto';
import { registerUser } from './register-user';
import { VERIFICATION_MAILING, type VerificationMailing } from './verification-email';
import { ApiConflicts, ApiUnavailable } from '../../../libs/platform/http/api-responses';

@ApiTags('auth')
@Controller('auth')
@ApiUnavailable('event_store_unavailable')
export class RegisterController {
  constructor(@Inject(VERIFICATION_MAILING) private readonly mailing: VerificationMailing) {}

  @Post('register')
  @HttpCode(201)
  @ApiCreatedResponse({
    type: RegisterResponse,
    description: 'Registered; a verification email is on its way.',
  })
  @ApiConflicts('`email_taken`')
  @ApiBadRequestResponse({ description: '`validation_failed`' })
  async register(
    @Body() body: RegisterRequest,
    @RequestContext() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RegisterResponse> {
    const { response, position } = await registerUser(this.mailing, body, context);
    setEventPosition(reply, position);
    return response;
  }
}
