import type { JWK } from 'jose';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { ConfigError } from './config-error';

/**
 * `JWT_PRIVATE_KEY` (PEM PKCS#8 or SEC1, or JWK JSON) as a canonical JWK. A
 * bad value names the variable, never the value.
 */
export function parseSigningKey(value: string): JWK {
  const problem = 'must be an EC P-256 private key, as PEM (PKCS#8 or SEC1) or JWK JSON';
  let jwk: JWK;
  try {
    const text = value.trim();
    // Imported and exported again either way: a JWK comes back in the canonical encoding,
    // so its kid is the one JWT_PUBLISHED_KEYS gives the same key.
    const key = text.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(text) as JWK & Record<string, unknown>, format: 'jwk' })
      : createPrivateKey(text.replace(/\\n/g, '\n'));
    jwk = key.export({ format: 'jwk' }) as JWK;
  } catch {
    throw new ConfigError('JWT_PRIVATE_KEY', problem);
  }
  if (!isP256Private(jwk)) throw new ConfigError('JWT_PRIVATE_KEY', problem);
  if (!isPair(jwk)) {
    throw new ConfigError('JWT_PRIVATE_KEY', 'x and y are not the public key of d');
  }
  return jwk;
}

export function isP256Private(jwk: JWK): boolean {
  return jwk.kty === 'EC' && jwk.crv === 'P-256' && !!jwk.x && !!jwk.y && !!jwk.d;
}

/**
 * Whether the public point published (x, y) verifies what the private part
 * (d) signs. Nothing else checks it, and a mismatch would make every token
 * fail verification everywhere.
 */
function isPair({ kty, crv, x, y, d }: JWK): boolean {
  try {
    const probe = Buffer.from('signing key probe');
    const signature = sign(
      'sha256',
      probe,
      createPrivateKey({ key: { kty, crv, x, y, d }, format: 'jwk' }),
    );
    const publicKey = createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' });
    return verify('sha256', probe, publicKey, signature);
  } catch {
    return false;
  }
}

const PUBLISHED_PROBLEM =
  'must be EC P-256 keys, as PEM blocks (public or private) or JWK JSON (a key, an array of keys, or a key set)';

/**
 * The public parts of the keys in `JWT_PUBLISHED_KEYS`: keys published in the
 * JWKS beside the signing key, so that a key can be announced before it signs
 * and keep verifying its tokens after it stopped. Private parts given are
 * dropped; a bad value names the variable, never the value.
 */
export function parsePublishedKeys(value: string): JWK[] {
  const text = value.trim();
  let keys: unknown[];
  try {
    keys =
      text.startsWith('{') || text.startsWith('[')
        ? fromJson(JSON.parse(text))
        : fromPem(text.replace(/\\n/g, '\n'));
  } catch {
    throw new ConfigError('JWT_PUBLISHED_KEYS', PUBLISHED_PROBLEM);
  }
  if (keys.length === 0 || !keys.every(isP256)) {
    throw new ConfigError('JWT_PUBLISHED_KEYS', PUBLISHED_PROBLEM);
  }
  return keys.map(({ kty, crv, x, y }) => ({ kty, crv, x, y }));
}

function fromJson(parsed: unknown): JWK[] {
  const set = parsed as { keys?: unknown };
  const keys = Array.isArray(parsed) ? parsed : Array.isArray(set?.keys) ? set.keys : [parsed];
  return keys.map(fromJwk);
}

/**
 * A JWK's public part imported as the key it describes, and exported again:
 * a cut, mis-encoded or off-curve point throws, as an unreadable PEM block
 * does, and `x` and `y` come back in the canonical encoding the `kid` is
 * computed from.
 */
function fromJwk(key: unknown): JWK {
  const { kty, crv, x, y } = key as JWK;
  const imported = createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' });
  return imported.export({ format: 'jwk' }) as JWK;
}

/**
 * Every PEM block, public or private in any encoding Node reads (SPKI, PKCS#8,
 * SEC1 `EC PRIVATE KEY`), as its public JWK. A block that cannot be read
 * refuses the whole value: dropping it would unpublish a key still in use.
 */
function fromPem(text: string): JWK[] {
  const blocks = text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
  if (!blocks.length || blocks.length !== text.split('-----BEGIN ').length - 1) {
    throw new Error('not every PEM block is whole');
  }
  return blocks.map((pem) => createPublicKey(pem).export({ format: 'jwk' }) as JWK);
}

function isP256(key: unknown): key is JWK & { x: string; y: string } {
  const k = key as JWK | null;
  return k?.kty === 'EC' && k.crv === 'P-256' && typeof k.x === 'string' && typeof k.y === 'string';
}
