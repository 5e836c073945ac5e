import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { SigningKey } from '../keys/signing-key';

/** A P-256 key pair, as `JWT_PRIVATE_KEY` and `JWT_PUBLISHED_KEYS` take them. */
export const p256Pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

export const pkcs8Pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();

export const spkiPem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

/** `BEGIN EC PRIVATE KEY`, what `openssl ecparam -genkey` writes. */
export const sec1Pem = (key: KeyObject) => key.export({ type: 'sec1', format: 'pem' }).toString();

/** The `kid` identity gives a key: the thumbprint of its public part. */
export async function kidOf(publicKey: KeyObject): Promise<string> {
  const { kty, crv, x, y } = await exportJWK(publicKey);
  return calculateJwkThumbprint({ kty, crv, x, y });
}

/** A signing key made in memory, kid `k-1`, for signing tokens without loading one. */
export async function testSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'k-1' };
  return { kid: 'k-1', privateKey, publicJwk, otherPublicJwks: [] };
}
