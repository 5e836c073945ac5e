import { exportJWK, importPKCS8, importSPKI, type JWK } from 'jose';
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
export async function parsePublishedKeys(value: string, alg: string): Promise<JWK[]> {
  const text = value.trim();
  let keys: unknown[];
  try {
    keys =
      text.startsWith('{') || text.startsWith('[')
        ? fromJson(JSON.parse(text))
        : await fromPem(text.replace(/\\n/g, '\n'), alg);
  } catch {
    throw new ConfigError(VARIABLE, PROBLEM);
  }
  if (keys.length === 0 || !keys.every(isP256)) throw new ConfigError(VARIABLE, PROBLEM);
  return keys.map(({ kty, crv, x, y }) => ({ kty, crv, x, y }));
}

function fromJson(parsed: unknown): unknown[] {
  if (Array.isArray(parsed)) return parsed;
  const set = parsed as { keys?: unknown };
  return Array.isArray(set?.keys) ? set.keys : [parsed];
}

async function fromPem(text: string, alg: string): Promise<JWK[]> {
  const blocks = text.match(/-----BEGIN (PUBLIC|PRIVATE) KEY-----[\s\S]+?-----END \1 KEY-----/g);
  if (!blocks) throw new Error('no PEM block');
  return Promise.all(
    blocks.map(async (pem) =>
      exportJWK(pem.includes('PRIVATE') ? await importPKCS8(pem, alg) : await importSPKI(pem, alg)),
    ),
  );
}

function isP256(key: unknown): key is JWK & { x: string; y: string } {
  const k = key as JWK | null;
  return k?.kty === 'EC' && k.crv === 'P-256' && typeof k.x === 'string' && typeof k.y === 'string';
}
