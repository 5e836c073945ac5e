import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ClientAddress } from '../../../libs/platform/http/client-address';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FixedWindowLimiter } from '../../../libs/platform/rate-limit/fixed-window-limiter';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import { RequestContext } from '../../../libs/platform/http/command-context';
import { setEventPosition } from '../../../libs/platform/http/event-position';
import { RegisterRequest, RegisterResponse } from './register.dto';
import { registerUser } from './register-user';
import { VERIFICATION_MAILING, type VerificationMailing } from './verification-email';
import { REGISTRATION_RATE_LIMITER } from './registration-rate-limiter';
import { ApiConflicts, ApiUnavailable } from '../../../libs/platform/http/api-responses';

@ApiTags('auth')
@Controller('auth')
@ApiUnavailable('rate_limits_unavailable', 'event_store_unavailable')
export class RegisterController {
  constructor(
    @Inject(VERIFICATION_MAILING) private readonly mailing: VerificationMailing,
    @Inject(REGISTRATION_RATE_LIMITER) private readonly limiter: FixedWindowLimiter,
  ) {}

  @Post('register')
  @HttpCode(201)
  @ApiCreatedResponse({
    type: RegisterResponse,
    description: 'Registered; a verification email is on its way.',
  })
  @ApiConflicts('`email_taken`')
  @ApiBadRequestResponse({ description: '`validation_failed`' })
  @ApiTooManyRequestsResponse({
    description:
      '`rate_limited` (with `Retry-After`): too many registrations and verification resends from ' +
      'this client address this hour',
  })
  async register(
    @Body() body: RegisterRequest,
    @RequestContext() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
    @ClientAddress() ip: string,
  ): Promise<RegisterResponse> {
    // Before the password is hashed: a refused registration costs next to nothing.
    await this.limiter.take(ip);
    const { response, position } = await registerUser(this.mailing, body, context);
    setEventPosition(reply, position);
    return response;
  }
}
