import { calculateJwkThumbprint, exportJWK } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../libs/platform/config/config';
import { kidOf, p256Pair, pkcs8Pem, sec1Pem, spkiPem } from '../testing/test-keys';
import { loadSigningKey } from './signing-key';

describe('loadSigningKey', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'identity-keys-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  describe('when no key is configured', () => {
    it('generates one and keeps it, readable by the owner only', async () => {
      const first = await loadSigningKey({ dataDir });
      const file = join(dataDir, 'keys', 'jwt-signing-key.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const again = await loadSigningKey({ dataDir });
      expect(again.kid).toBe(first.kid);
      expect(await readdir(join(dataDir, 'keys'))).toEqual(['jwt-signing-key.json']);
    });

    it('publishes only the public part, with the thumbprint as kid', async () => {
      const { kid, publicJwk } = await loadSigningKey({ dataDir });
      expect(publicJwk).toEqual({
        kty: 'EC',
        crv: 'P-256',
        x: expect.any(String),
        y: expect.any(String),
        kid,
        alg: 'ES256',
        use: 'sig',
      });
      const { kty, crv, x, y } = publicJwk;
      expect(kid).toBe(await calculateJwkThumbprint({ kty, crv, x, y }));
    });

    it('agrees on one key when instances start together', async () => {
      const keys = await Promise.all([1, 2, 3].map(() => loadSigningKey({ dataDir })));
      expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    });

    it('refuses a kept key file left empty, naming it and what to do', async () => {
      const file = join(dataDir, 'keys', 'jwt-signing-key.json');
      mkdirSync(join(dataDir, 'keys'));
      writeFileSync(file, '');
      await expect(loadSigningKey({ dataDir })).rejects.toThrow(
        `${file}: not a key (empty or damaged). Delete it to generate a new one`,
      );
    });
  });

  describe('when a key is configured', () => {
    const pair = p256Pair();
    const pem = pkcs8Pem(pair.privateKey);

    it('uses a PEM (PKCS#8) key and writes nothing', async () => {
      const { kid } = await loadSigningKey({ configured: pem, dataDir });
      expect(kid).toBe(await kidOf(pair.publicKey));
      expect(await readdir(dataDir)).toEqual([]);
    });

    it('uses a JWK', async () => {
      const jwk = JSON.stringify(await exportJWK(pair.privateKey));
      const fromJwk = await loadSigningKey({ configured: jwk, dataDir });
      const fromPem = await loadSigningKey({ configured: pem, dataDir });
      expect(fromJwk.kid).toBe(fromPem.kid);
    });

    it('takes a JWK in padded standard base64 as the key it describes, with that key’s kid', async () => {
      const exported = await exportJWK(pair.privateKey);
      const standard = (v: string) => `${v.replace(/-/g, '+').replace(/_/g, '/')}=`;
      const padded = { ...exported, x: standard(exported.x!), y: standard(exported.y!) };
      const key = await loadSigningKey({ configured: JSON.stringify(padded), dataDir });
      expect(key.kid).toBe(await kidOf(pair.publicKey));
      expect(key.publicJwk).toMatchObject({ x: exported.x, y: exported.y });
    });

    it('uses a SEC1 PEM key (BEGIN EC PRIVATE KEY)', async () => {
      const { kid } = await loadSigningKey({ configured: sec1Pem(pair.privateKey), dataDir });
      expect(kid).toBe(await kidOf(pair.publicKey));
    });

    it('refuses a JWK whose x and y are not the public key of its d', async () => {
      const mine = await exportJWK(pair.privateKey);
      const other = await exportJWK(p256Pair().privateKey);
      const mixed = JSON.stringify({ ...mine, d: other.d });
      const load = loadSigningKey({ configured: mixed, dataDir });
      await expect(load).rejects.toThrow('JWT_PRIVATE_KEY: x and y are not the public key of d');
    });

    it.each([
      ['garbage', 'not a key'],
      ['an RSA key', generateRsaPem()],
      ['a public JWK', '{"kty":"EC","crv":"P-256","x":"a","y":"b"}'],
    ])('refuses %s naming the variable but not the value', async (_, value) => {
      const load = loadSigningKey({ configured: value, dataDir });
      await expect(load).rejects.toThrow(ConfigError);
      await expect(load).rejects.toThrow(/^JWT_PRIVATE_KEY: /);
      await expect(load).rejects.not.toThrow(value.slice(0, 20));
    });
  });

  describe('when more keys are published', () => {
    const [signing, rotatedOut, rotatedIn] = [p256Pair(), p256Pair(), p256Pair()];
    const load = (published: string) =>
      loadSigningKey({ configured: pkcs8Pem(signing.privateKey), published, dataDir });

    it.each([
      [
        'PEM blocks, private and public',
        () => pkcs8Pem(rotatedOut.privateKey) + spkiPem(rotatedIn.publicKey),
      ],
      [
        'PEM blocks, SEC1 and PKCS#8',
        () => sec1Pem(rotatedOut.privateKey) + pkcs8Pem(rotatedIn.privateKey),
      ],
      [
        'a JWK set',
        async () =>
          JSON.stringify({
            keys: [await exportJWK(rotatedOut.privateKey), await exportJWK(rotatedIn.publicKey)],
          }),
      ],
    ])('publishes the public part of each, from %s, beside the signing key', async (_, value) => {
      const key = await load(await value());
      expect(key.kid).toBe(await kidOf(signing.publicKey));
      expect(key.otherPublicJwks.map((k) => k.kid)).toEqual([
        await kidOf(rotatedOut.publicKey),
        await kidOf(rotatedIn.publicKey),
      ]);
      for (const jwk of key.otherPublicJwks) {
        expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      }
    });

    it('lists each key once, and not the signing key again', async () => {
      const [once, twice] = [spkiPem(rotatedIn.publicKey), spkiPem(signing.publicKey)];
      const key = await load(once + twice + once);
      expect(key.otherPublicJwks.map((k) => k.kid)).toEqual([await kidOf(rotatedIn.publicKey)]);
    });

    it.each([
      ['garbage', 'not a key'],
      ['an RSA key', generateRsaPem()],
      ['an empty key set', '{"keys":[]}'],
      ['a JWK of another curve', '{"kty":"EC","crv":"P-384","x":"a","y":"b"}'],
      ['a readable PEM block and a cut one', spkiPem(p256Pair().publicKey) + '-----BEGIN PUB'],
      [
        'a readable PEM block and an unreadable one',
        spkiPem(p256Pair().publicKey) +
          '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      ],
    ])('refuses %s naming the variable but not the value', async (_, value) => {
      const loading = load(value);
      await expect(loading).rejects.toThrow(ConfigError);
      await expect(loading).rejects.toThrow(/^JWT_PUBLISHED_KEYS: /);
      await expect(loading).rejects.not.toThrow(value.slice(0, 20));
    });
  });
});

function generateRsaPem(): string {
  return pkcs8Pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
}
