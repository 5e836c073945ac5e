import { createLocalJWKSet } from 'jose';
import { createJwtVerifier } from '../../../libs/auth/jwt-verifier';
import type { SigningKey } from '../keys/signing-key';
import { identityFixture } from '../testing/identity-fixture';
import { testSigningKey } from '../testing/test-keys';
import { verifyEmail } from '../verify-email/verify-email';
import { login } from './login';

describe('login', () => {
  let f: ReturnType<typeof identityFixture>;
  let key: SigningKey;
  let registered: { userId: string; companyId: string };

  beforeAll(async () => {
    key = await testSigningKey();
  });
  beforeEach(async () => {
    f = identityFixture();
    ({ response: registered } = await f.register({
      email: 'ann@example.com',
      accountType: 'vendor',
    }));
  });
  afterEach(() => f.close());

  const logIn = (email: string, password: string) =>
    login({ store: f.store, key, ttlSeconds: 900 }, email, password, new Date());
  const principalOf = (token: string) =>
    createJwtVerifier(createLocalJWKSet({ keys: [key.publicJwk] })).verify(token);

  describe('when the password is right', () => {
    it('issues a bearer token for the user', async () => {
      const result = await logIn('ann@example.com', 'correct horse');
      expect(result).toEqual({
        accessToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      await expect(principalOf(result.accessToken)).resolves.toEqual({
        userId: registered.userId,
        email: 'ann@example.com',
        emailVerified: false,
        accountType: 'vendor',
        companyId: registered.companyId,
        companyName: 'Ann Ltd',
      });
    });

    it('reads email_verified from the user at login time', async () => {
      await verifyEmail(f.store, f.tokenSentTo('ann@example.com'), f.context());
      const { accessToken } = await logIn('ann@example.com', 'correct horse');
      await expect(principalOf(accessToken)).resolves.toMatchObject({ emailVerified: true });
    });
  });

  describe('when the credentials are wrong', () => {
    it('gives the same answer for a wrong password and an unknown email', async () => {
      const refusal = (p: Promise<unknown>) =>
        p.then(
          () => undefined,
          (e: unknown) => e,
        );
      const wrongPassword = await refusal(logIn('ann@example.com', 'wrong horse'));
      const unknownEmail = await refusal(logIn('bob@example.com', 'correct horse'));
      expect(wrongPassword).toMatchObject({ kind: 'unauthenticated', code: 'invalid_credentials' });
      expect(unknownEmail).toEqual(wrongPassword);
      expect((unknownEmail as Error).message).toBe((wrongPassword as Error).message);
    });
  });
});
