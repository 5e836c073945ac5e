import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { unauthenticated } from '../platform/errors/app-error';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type Principal } from './principal';

export const JWT_VERIFIER = Symbol('JWT_VERIFIER');

export interface JwtVerifier {
  verify(token: string): Promise<Principal>;
}

/** Verifies access tokens against identity's JWKS (asymmetric keys, fetched and cached by jose). */
export function createJwtVerifier(keys: JWTVerifyGetKey | URL): JwtVerifier {
  const getKey = keys instanceof URL ? createRemoteJWKSet(keys, { cooldownDuration: 5_000 }) : keys;
  return {
    async verify(token) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          algorithms: ['ES256'],
        }));
      } catch {
        throw unauthenticated(
          'invalid_access_token',
          'The access token is missing, invalid or expired.',
        );
      }
      const { sub, email, email_verified, account_type, company_id } = payload;
      if (
        typeof sub !== 'string' ||
        typeof email !== 'string' ||
        typeof company_id !== 'string' ||
        (account_type !== 'customer' && account_type !== 'vendor')
      ) {
        throw unauthenticated('invalid_access_token', 'The access token lacks required claims.');
      }
      return {
        userId: sub,
        email,
        emailVerified: email_verified === true,
        accountType: account_type,
        companyId: company_id,
      };
    },
  };
}
