import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { AppError, unauthenticated } from '../platform/errors/app-error';
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
    if (!match) {
      throw challenge(
        unauthenticated(
          'unauthenticated',
          'Send an access token as "Authorization: Bearer <token>".',
        ),
      );
    }
    request.principal = await this.verifier.verify(match[1]).catch(refusedToken);
    return true;
  }
}

/** The caller verified by AuthGuard. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => requirePrincipal(context),
);

/** The caller AuthGuard let through; 401 with its challenge if none did. */
export function requirePrincipal(context: ExecutionContext): Principal {
  const principal = context.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!principal) {
    throw challenge(unauthenticated('unauthenticated', 'Authentication is required.'));
  }
  return principal;
}

/**
 * A 401 of a bearer-protected route tells the client how to authenticate (RFC 6750 §3):
 * the answer's `WWW-Authenticate` header, with `error` when a token was given but refused.
 */
function challenge(refusal: AppError, error?: 'invalid_token'): AppError {
  const wwwAuthenticate = error ? `Bearer error="${error}"` : 'Bearer';
  const { kind, code, message, extra, errors } = refusal;
  return new AppError(kind, code, message, { ...extra, wwwAuthenticate }, errors);
}

/** A token refused (401) gets its challenge; a failure to check it (503) passes as it is. */
function refusedToken(error: unknown): never {
  if (error instanceof AppError && error.kind === 'unauthenticated') {
    throw challenge(error, 'invalid_token');
  }
  throw error;
}
