import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { JSONWebKeySet } from 'jose';
import { AnyQuery } from '../../../libs/platform/http/unexpected-query.guard';
import { SIGNING_KEY, type SigningKey } from '../keys/signing-key';

@ApiTags('auth')
@AnyQuery()
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(SIGNING_KEY) private readonly key: SigningKey) {}

  @Get('jwks.json')
  // As long as the services keep it: an HTTP cache between adds at most a minute to a key's withdrawal.
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOkResponse({
    description:
      'The public keys access tokens are signed with (ES256): the signing key first, then any in `JWT_PUBLISHED_KEYS`.',
  })
  jwks(): JSONWebKeySet {
    return { keys: [this.key.publicJwk, ...this.key.otherPublicJwks] };
  }
}
