import { timingSafeEqual } from 'node:crypto';
import { hashToken, randomToken } from '../../../libs/platform/crypto/link-token';

/** A fresh accept token: 32 random bytes, base64url. Only its hash is ever stored. */
export const newInvitationToken = randomToken;

/** SHA-256 hex of a token, the only form that reaches the event store. */
export { hashToken };

/** Constant-time comparison of two SHA-256 hex hashes. */
export function sameTokenHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}
