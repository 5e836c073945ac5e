import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { unauthenticated } from '../platform/errors/app-error';
import { JWT_VERIFIER, type JwtVerifier } from './jwt-verifier';
import type { Principal } from './principal';

interface AuthedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/** Requires a valid Bearer token and puts the caller on the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(JWT_VERIFIER) private readonly verifier: JwtVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match)
      throw unauthenticated(
        'unauthenticated',
        'Send an access token as "Authorization: Bearer <token>".',
      );
    request.principal = await this.verifier.verify(match[1]);
    return true;
  }
}

/** The caller verified by AuthGuard. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthedRequest>().principal;
    if (!principal) throw unauthenticated('unauthenticated', 'Authentication is required.');
    return principal;
  },
);
