import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type JWK,
  type JWTVerifyGetKey,
  type KeyLike,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { createJwtVerifier, type JwtVerifierOptions } from './jwt-verifier';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from './principal';

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  jwk: JWK;
}

async function signingKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } };
}

/** A token as identity signs one; `ttlSeconds` null leaves out its expiry. */
const mint = (key: SigningKey, ttlSeconds: number | null = 3600) => {
  const now = Math.floor(Date.now() / 1000);
  const token = new SignJWT({
    email: 'v@example.com',
    email_verified: true,
    account_type: 'vendor',
    company_id: 'c-1',
  })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setSubject('u-1')
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(now);
  if (ttlSeconds !== null) token.setExpirationTime(now + ttlSeconds);
  return token.sign(key.privateKey);
};

/** A JWKS whose keys a test can withdraw, counting how often a key was looked up. */
function jwks(...keys: SigningKey[]) {
  let published = keys.map((k) => k.jwk);
  const lookups = { count: 0 };
  const getKey: JWTVerifyGetKey = (header, token) => {
    lookups.count += 1;
    return createLocalJWKSet({ keys: published })(header, token);
  };
  return { getKey, lookups, withdrawAll: () => (published = []) };
}

const verifierWith = (getKey: JWTVerifyGetKey, options: JwtVerifierOptions = {}) =>
  createJwtVerifier(getKey, options);

describe('JWT verifier', () => {
  let key: SigningKey;
  beforeAll(async () => {
    key = await signingKey();
  });
  afterEach(() => jest.useRealTimers());

  describe('when a token was verified once', () => {
    it('answers the same principal again without checking the signature', async () => {
      const { getKey, lookups } = jwks(key);
      const verifier = verifierWith(getKey);
      const token = await mint(key);
      const first = await verifier.verify(token);
      const again = await verifier.verify(token);
      expect(again).toEqual(first);
      expect(first).toMatchObject({ userId: 'u-1', accountType: 'vendor', companyId: 'c-1' });
      expect(lookups.count).toBe(1);
    });

    it('refuses it once it has expired', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const { getKey } = jwks(key);
      // Kept far longer than the token lives: its expiry, not the cache age, must end it.
      const verifier = verifierWith(getKey, { cacheMaxAgeMs: 600_000 });
      const token = await mint(key, 60);
      await verifier.verify(token);
      jest.setSystemTime(Date.now() + 61_000);
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'invalid_access_token' });
    });

    it('checks the signature again after the cache age, so a withdrawn key stops working', async () => {
      let clock = Date.now();
      const { getKey, withdrawAll } = jwks(key);
      const verifier = verifierWith(getKey, { cacheMaxAgeMs: 1_000, now: () => clock });
      const token = await mint(key);
      await verifier.verify(token);
      withdrawAll();
      await expect(verifier.verify(token)).resolves.toBeDefined();
      clock += 1_001;
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'invalid_access_token' });
    });
  });

  describe('when a token is forged under a key the JWKS lists', () => {
    const claims = () => {
      const now = Math.floor(Date.now() / 1000);
      return {
        sub: 'u-1',
        iss: TOKEN_ISSUER,
        aud: TOKEN_AUDIENCE,
        iat: now,
        exp: now + 3600,
        email: 'v@example.com',
        email_verified: true,
        account_type: 'vendor',
        company_id: 'c-1',
      };
    };
    const signed = (payload: Record<string, unknown>) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(key.privateKey);
    /** A real token whose payload was changed after it was signed. */
    const tampered = async () => {
      const [header, , signature] = (await signed(claims())).split('.');
      const payload = Buffer.from(JSON.stringify({ ...claims(), company_id: 'c-2' }));
      return `${header}.${payload.toString('base64url')}.${signature}`;
    };
    const forgeries: Array<[string, () => Promise<string>]> = [
      ['its payload changed under the signature', tampered],
      ['another issuer', () => signed({ ...claims(), iss: 'urn:someone-else' })],
      ['another audience', () => signed({ ...claims(), aud: 'urn:someone-else' })],
      ['no company', () => signed({ ...claims(), company_id: undefined })],
      ['an account type of no one', () => signed({ ...claims(), account_type: 'admin' })],
      ['no subject', () => signed({ ...claims(), sub: undefined })],
    ];

    it.each(forgeries)('refuses one with %s as an invalid access token', async (_, forge) => {
      const verifier = verifierWith(jwks(key).getKey);
      await expect(verifier.verify(await forge())).rejects.toMatchObject({
        code: 'invalid_access_token',
      });
    });
  });

  describe('when a validly signed token has no expiry', () => {
    it('is refused, since it would never expire', async () => {
      const key = await signingKey();
      const verifier = createJwtVerifier(jwks(key).getKey);

      await expect(verifier.verify(await mint(key, null))).rejects.toMatchObject({
        code: 'invalid_access_token',
      });
    });
  });

  describe('when a token fails verification', () => {
    it('is refused every time, its key looked up each time', async () => {
      const stranger = await signingKey();
      const { getKey, lookups } = jwks(key);
      const verifier = verifierWith(getKey);
      const token = await mint(stranger);
      for (let i = 0; i < 2; i++) {
        await expect(verifier.verify(token)).rejects.toMatchObject({
          code: 'invalid_access_token',
        });
      }
      expect(lookups.count).toBe(2);
    });
  });

  describe('when a token is spelled another way than it was signed', () => {
    it('is refused without a key lookup, so one token cannot fill the cache under many spellings', async () => {
      const { getKey, lookups } = jwks(key);
      const verifier = verifierWith(getKey);
      const token = await mint(key);
      const signature = token.slice(token.lastIndexOf('.') + 1);
      // 64 bytes in 86 characters: the last one carries 4 spare bits, which decoding ignores.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const spareBitsSet = token.slice(0, -1) + alphabet[alphabet.indexOf(token.at(-1)!) ^ 1];
      expect(Buffer.from(spareBitsSet.split('.')[2], 'base64url')).toEqual(
        Buffer.from(signature, 'base64url'),
      );
      const respellings = [`${token}!`, `${token}~~~~`, `${token}=`, ` ${token}`, spareBitsSet];
      for (const respelt of respellings) {
        await expect(verifier.verify(respelt)).rejects.toMatchObject({
          code: 'invalid_access_token',
        });
      }
      expect(lookups.count).toBe(0);
      await expect(verifier.verify(token)).resolves.toMatchObject({ userId: 'u-1' });
    });
  });

  describe('when the cache is full', () => {
    it('forgets the least recently used token first', async () => {
      const { getKey, lookups } = jwks(key);
      const verifier = verifierWith(getKey, { cacheSize: 1 });
      const [a, b] = await Promise.all([mint(key), mint(key, 7200)]);
      await verifier.verify(a);
      await verifier.verify(b);
      await verifier.verify(a);
      expect(lookups.count).toBe(3);
    });
  });
});
