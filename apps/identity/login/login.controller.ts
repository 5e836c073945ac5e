import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import type { AppConfig } from '../../../libs/platform/config/config';
import { APP_CONFIG } from '../../../libs/platform/infrastructure/infrastructure.module';
import { SIGNING_KEY, type SigningKey } from '../keys/signing-key';
import { LoginRequest, LoginResponse } from './login.dto';
import { login } from './login';

@ApiTags('auth')
@Controller('auth')
export class LoginController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponse })
  @ApiUnauthorizedResponse({
    description: '`invalid_credentials`, whether or not the email exists',
  })
  async login(@Body() body: LoginRequest): Promise<LoginResponse> {
    const deps = {
      store: this.store,
      key: this.key,
      ttlSeconds: this.config.accessTokenTtlSeconds,
    };
    return login(deps, body.email, body.password, new Date());
  }
}
