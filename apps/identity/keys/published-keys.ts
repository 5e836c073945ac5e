import type { JWK } from 'jose';
import { createPublicKey } from 'node:crypto';
import { ConfigError } from '../../../libs/platform/config/config';

const VARIABLE = 'JWT_PUBLISHED_KEYS';
const PROBLEM =
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
    throw new ConfigError(VARIABLE, PROBLEM);
  }
  if (keys.length === 0 || !keys.every(isP256)) throw new ConfigError(VARIABLE, PROBLEM);
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
