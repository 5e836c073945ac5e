import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ClientAddress } from '../../../libs/platform/http/client-address';
import {
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import type { AppConfig } from '../../../libs/platform/config/config';
import { APP_CONFIG } from '../../../libs/platform/infrastructure/infrastructure.module';
import { SIGNING_KEY, type SigningKey } from '../keys/signing-key';
import { LoginRequest, LoginResponse } from './login.dto';
import { login } from './login';
import { LOGIN_THROTTLE, throttledLogin, type LoginThrottle } from './login-throttle';
import { ApiUnavailable } from '../../../libs/platform/http/api-responses';

@ApiTags('auth')
@Controller('auth')
export class LoginController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGIN_THROTTLE) private readonly throttle: LoginThrottle,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponse })
  @ApiUnauthorizedResponse({
    description: '`invalid_credentials`, whether or not the email exists',
  })
  @ApiTooManyRequestsResponse({
    description:
      '`rate_limited` (with `Retry-After`): too many failed logins for this email from this ' +
      'client address, or from this address on any emails; refused without checking the ' +
      'password until the lockout window passes',
  })
  @ApiUnavailable('rate_limits_unavailable', 'event_store_unavailable')
  async login(@Body() body: LoginRequest, @ClientAddress() ip: string): Promise<LoginResponse> {
    const deps = {
      store: this.store,
      key: this.key,
      ttlSeconds: this.config.accessTokenTtlSeconds,
    };
    return throttledLogin(this.throttle, { email: body.email, ip }, () =>
      login(deps, body.email, body.password, new Date()),
    );
  }
}
