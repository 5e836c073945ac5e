import { decodeProtectedHeader } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJwtVerifier } from '../../../libs/auth/jwt-verifier';
import { loadConfig } from '../../../libs/platform/config/config';
import { openInfrastructure } from '../../../libs/platform/infrastructure/infrastructure';
import { logIn, signUp } from '../../../libs/testing/identity-test-client';
import { startIdentity } from '../start-identity';
import { kidOf, p256Pair, pkcs8Pem } from '../testing/test-keys';

describe('rotating the signing key', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'identity-rotation-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Identity on the shared data directory with these keys; a verifier of its JWKS as services build one. */
  const run = async <T>(
    env: Record<string, string>,
    work: (url: string, verify: (token: string) => Promise<unknown>) => Promise<T>,
  ): Promise<T> => {
    const infra = await openInfrastructure(
      loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }),
    );
    const identity = await startIdentity(infra, 0);
    try {
      const verifier = createJwtVerifier(new URL('/.well-known/jwks.json', identity.url));
      return await work(identity.url, (token) => verifier.verify(token));
    } finally {
      await identity.close();
      await infra.close();
    }
  };

  describe('when the earlier key is published beside the new one', () => {
    it('verifies the tokens each signed, until the earlier one is no longer published', async () => {
      const [before, after] = [p256Pair(), p256Pair()];
      const user = await run({ JWT_PRIVATE_KEY: pkcs8Pem(before.privateKey) }, (url) =>
        signUp(url, { accountType: 'vendor' }),
      );

      const fresh = await run(
        {
          JWT_PRIVATE_KEY: pkcs8Pem(after.privateKey),
          JWT_PUBLISHED_KEYS: pkcs8Pem(before.privateKey),
        },
        async (url, verify) => {
          await expect(verify(user.accessToken)).resolves.toMatchObject({ userId: user.userId });
          const { accessToken } = await logIn(url, user.email, user.password);
          expect(decodeProtectedHeader(accessToken).kid).toBe(await kidOf(after.publicKey));
          await expect(verify(accessToken)).resolves.toMatchObject({ userId: user.userId });
          return accessToken;
        },
      );

      await run({ JWT_PRIVATE_KEY: pkcs8Pem(after.privateKey) }, async (_, verify) => {
        await expect(verify(fresh)).resolves.toMatchObject({ userId: user.userId });
        await expect(verify(user.accessToken)).rejects.toMatchObject({
          code: 'invalid_access_token',
        });
      });
    });
  });
});
