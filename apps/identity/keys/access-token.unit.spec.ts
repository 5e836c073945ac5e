import { createLocalJWKSet, decodeJwt, decodeProtectedHeader } from 'jose';
import { createJwtVerifier } from '../../../libs/auth/jwt-verifier';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../../libs/auth/principal';
import { signAccessToken } from './access-token';
import { testSigningKey } from '../testing/test-keys';
import type { SigningKey } from './signing-key';

const claims = {
  sub: 'u-1',
  email: 'ann@example.com',
  email_verified: true,
  account_type: 'vendor' as const,
  company_id: 'c-1',
};

describe('signAccessToken', () => {
  let key: SigningKey;
  beforeAll(async () => {
    key = await testSigningKey();
  });

  describe('when a token is signed', () => {
    it('is verified by the other services with the public key', async () => {
      const token = await signAccessToken(key, claims, new Date(), 600);
      const verifier = createJwtVerifier(createLocalJWKSet({ keys: [key.publicJwk] }));
      await expect(verifier.verify(token)).resolves.toEqual({
        userId: 'u-1',
        email: 'ann@example.com',
        emailVerified: true,
        accountType: 'vendor',
        companyId: 'c-1',
      });
    });

    it('names the key, issuer, audience and expiry', async () => {
      const now = new Date('2026-11-26T10:00:00Z');
      const token = await signAccessToken(key, claims, now, 600);
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'k-1', typ: 'JWT' });
      expect(decodeJwt(token)).toEqual({
        ...claims,
        iss: TOKEN_ISSUER,
        aud: TOKEN_AUDIENCE,
        iat: now.getTime() / 1000,
        exp: now.getTime() / 1000 + 600,
        jti: expect.any(String),
      });
    });
  });

  describe('when the token has expired', () => {
    it('is refused', async () => {
      const token = await signAccessToken(key, claims, new Date(Date.now() - 700_000), 600);
      const verifier = createJwtVerifier(createLocalJWKSet({ keys: [key.publicJwk] }));
      await expect(verifier.verify(token)).rejects.toThrow(
        expect.objectContaining({ code: 'invalid_access_token' }),
      );
    });
  });
});
