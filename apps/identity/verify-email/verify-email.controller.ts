import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import { RequestContext } from '../../../libs/platform/http/command-context';
import { setEventPosition } from '../../../libs/platform/http/event-position';
import { VerifyEmailRequest, VerifyEmailResponse } from './verify-email.dto';
import { verifyEmail } from './verify-email';
import { ApiUnavailable } from '../../../libs/platform/http/api-responses';

@ApiTags('auth')
@Controller('auth')
@ApiUnavailable('event_store_unavailable')
export class VerifyEmailController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Post('verify-email')
  @HttpCode(200)
  @ApiOkResponse({ type: VerifyEmailResponse, description: 'Verified (also when it already was).' })
  @ApiBadRequestResponse({
    description: '`invalid_token` (unknown or expired), `validation_failed`',
  })
  async verify(
    @Body() body: VerifyEmailRequest,
    @RequestContext() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<VerifyEmailResponse> {
    const { response, position } = await verifyEmail(this.store, body.token, context);
    setEventPosition(reply, position);
    return response;
  }
}
