import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type KeyLike,
} from 'jose';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  isP256Private,
  parsePublishedKeys,
  parseSigningKey,
} from '../../../libs/platform/config/jwt-keys';

export const SIGNING_KEY = Symbol('SIGNING_KEY');
export const SIGNING_ALG = 'ES256';

/** The access-token signing key: private part for signing, public JWK for the JWKS. */
export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: JWK;
  /** Other keys the JWKS publishes beside this one (a key rotated in or out), each once. */
  otherPublicJwks: JWK[];
}

/**
 * The configured key (`JWT_PRIVATE_KEY`: PEM PKCS#8 or SEC1, or JWK JSON) or, without
 * one, a key generated on first start and kept in `<dataDir>/keys` (mode
 * 0600) so tokens stay valid across restarts. `kid` is the JWK thumbprint.
 */
export async function loadSigningKey(options: {
  configured?: string;
  /** `JWT_PUBLISHED_KEYS`: more keys for the JWKS only. */
  published?: string;
  dataDir: string;
}): Promise<SigningKey> {
  const jwk = options.configured
    ? parseSigningKey(options.configured)
    : await loadOrCreate(join(options.dataDir, 'keys', 'jwt-signing-key.json'));
  const publicJwk = await publishable(jwk);
  const others = options.published
    ? await Promise.all(parsePublishedKeys(options.published).map(publishable))
    : [];
  const otherPublicJwks = [...new Map(others.map((k) => [k.kid, k])).values()].filter(
    (k) => k.kid !== publicJwk.kid,
  );
  const privateKey = (await importJWK(jwk, SIGNING_ALG)) as KeyLike;
  return { kid: publicJwk.kid!, privateKey, publicJwk, otherPublicJwks };
}

/** The public part as the JWKS shows it, with its thumbprint as `kid`. */
async function publishable({ kty, crv, x, y }: JWK): Promise<JWK> {
  const kid = await calculateJwkThumbprint({ kty, crv, x, y }, 'sha256');
  return { kty, crv, x, y, kid, alg: SIGNING_ALG, use: 'sig' };
}

async function loadOrCreate(path: string): Promise<JWK> {
  const existing = await readJwk(path);
  if (existing) return existing;
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const { kty, crv, x, y, d } = await exportJWK(privateKey);
  // Written aside, then linked into place: readers never see half a file, and of
  // two instances starting together the first link wins and both use its key.
  // Synced before and after the link: tokens are signed with it at once, and a power cut must
  // not leave its name on an empty file.
  const temporary = `${path}.${randomUUID()}.tmp`;
  const file = await open(temporary, 'wx', 0o600);
  try {
    await file.writeFile(JSON.stringify({ kty, crv, x, y, d }));
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
  await syncDirectory(join(path, '..'));
  const stored = await readJwk(path);
  if (!stored) throw new Error(`${path}: not an EC P-256 private key`);
  return stored;
}

async function readJwk(path: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new Error(
      `${path}: not a key (empty or damaged). Delete it to generate a new one (which logs ` +
        'everyone out), or set JWT_PRIVATE_KEY',
    );
  }
  if (!isP256Private(jwk)) throw new Error(`${path}: not an EC P-256 private key`);
  return jwk;
}

async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
