import { calculateJwkThumbprint, type JWK } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError } from '../../../libs/platform/config/config';
import { kidOf, p256Pair } from '../testing/test-keys';
import { parsePublishedKeys } from '../../../libs/platform/config/jwt-keys';

describe('parsePublishedKeys', () => {
  const key = p256Pair().publicKey;
  const jwk = key.export({ format: 'jwk' }) as JWK & { x: string; y: string };

  describe('when a JWK is not a readable P-256 public key', () => {
    const P384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    it.each([
      ['a JWK with x cut short', () => [{ ...jwk, x: jwk.x.slice(0, -2) }]],
      ['a JWK whose point is not on the curve', () => [{ ...jwk, y: jwk.x }]],
      ['a good JWK beside a cut one', () => ({ keys: [jwk, { ...jwk, y: jwk.y.slice(1) }] })],
      ['a JWK of another curve', () => P384.export({ format: 'jwk' })],
      ['a key set holding no object', () => [null]],
    ])('refuses %s naming the variable but not the value', (_, value) => {
      const text = JSON.stringify(value());
      const parse = () => parsePublishedKeys(text);
      expect(parse).toThrow(ConfigError);
      expect(parse).toThrow(/^JWT_PUBLISHED_KEYS: /);
      expect(parse).not.toThrow(jwk.x.slice(0, 20));
    });
  });

  describe('when a JWK is written in another base64 form', () => {
    it('publishes the key it describes, in canonical form with that key’s kid', async () => {
      const base64 = (v: string) => Buffer.from(v, 'base64url').toString('base64');
      const padded = { ...jwk, x: base64(jwk.x), y: base64(jwk.y) };
      const [published] = parsePublishedKeys(JSON.stringify(padded));
      expect(published).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y });
      expect(await calculateJwkThumbprint(published)).toBe(await kidOf(key));
    });
  });
});
