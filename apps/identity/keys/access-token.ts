import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type AccessTokenClaims } from '../../../libs/auth/principal';
import { SIGNING_ALG, type SigningKey } from './signing-key';

/** A signed access token with the contract's claims, valid for `ttlSeconds` from `now`. */
export function signAccessToken(
  key: SigningKey,
  { sub, ...claims }: AccessTokenClaims,
  now: Date,
  ttlSeconds: number,
): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
}
