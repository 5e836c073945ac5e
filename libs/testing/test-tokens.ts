import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type JWK,
  type KeyLike,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { createJwtVerifier, type JwtVerifier } from '../auth/jwt-verifier';
import {
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type AccessTokenClaims,
  type AccountType,
} from '../auth/principal';

export interface TestUser {
  userId: string;
  companyId: string;
  email: string;
  emailVerified: boolean;
  accountType: AccountType;
  /** Put in the `company_name` claim when given. */
  companyName?: string;
}

export interface TestTokens {
  /** Verifies what `mint` signs, as a service would verify identity's tokens. */
  verifier: JwtVerifier;
  /** The key set identity would publish for these tokens. */
  jwks: { keys: JWK[] };
  /** An ES256 access token with the contract's claims for `user`. */
  mint(
    user: TestUser,
    options?: { expiresInSeconds?: number; issuedSecondsAgo?: number },
  ): Promise<string>;
}

/** A throwaway ES256 key pair standing in for identity, for tests that need access tokens. */
export async function createTestTokens(): Promise<TestTokens> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return {
    verifier: createJwtVerifier(createLocalJWKSet({ keys: [jwk] })),
    jwks: { keys: [jwk] },
    mint: (user, options) =>
      sign(privateKey, kid, user, options?.expiresInSeconds ?? 3600, options?.issuedSecondsAgo),
  };
}

function sign(
  key: KeyLike,
  kid: string,
  user: TestUser,
  ttlSeconds: number,
  issuedSecondsAgo = 0,
): Promise<string> {
  const claims: Omit<AccessTokenClaims, 'sub'> = {
    email: user.email,
    email_verified: user.emailVerified,
    account_type: user.accountType,
    company_id: user.companyId,
    ...(user.companyName ? { company_name: user.companyName } : {}),
  };
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setSubject(user.userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(now - issuedSecondsAgo)
    .setExpirationTime(now + ttlSeconds)
    .sign(key);
}

/** A user with fresh ids, for tests. */
export function testUser(accountType: AccountType, overrides: Partial<TestUser> = {}): TestUser {
  const userId = randomUUID();
  return {
    userId,
    companyId: randomUUID(),
    email: `${accountType}-${userId.slice(0, 8)}@example.com`,
    emailVerified: true,
    accountType,
    ...overrides,
  };
}
