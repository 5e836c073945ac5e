import { createHash, randomBytes } from 'node:crypto';

const TOKEN_BYTES = 32;
/** Tokens drawn from the CSPRNG at once: one call per 128 tokens, as Node does for randomUUID. */
const POOL_TOKENS = 128;

let pool = Buffer.alloc(0);
let offset = 0;

/**
 * A fresh secret for a link: 256 bits from the CSPRNG, base64url. A call to
 * the CSPRNG per token cost about 20 µs under load, a tenth of a send's HTTP
 * work; bytes are drawn in batches, each used once and wiped once taken.
 */
export function randomToken(): string {
  if (offset === pool.length) {
    pool = randomBytes(TOKEN_BYTES * POOL_TOKENS);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + TOKEN_BYTES);
  pool.fill(0, offset, offset + TOKEN_BYTES);
  offset += TOKEN_BYTES;
  return token;
}

/** SHA-256 hex of a link token: the only form of it that is ever stored. */
export const hashToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');
