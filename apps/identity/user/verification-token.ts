import { createHash } from 'node:crypto';
import { randomToken } from '../../../libs/platform/crypto/random-token';

/** A verification token for the email link; only its SHA-256 is ever stored. */
export function newVerificationToken(): { token: string; tokenHash: string } {
  const token = randomToken();
  return { token, tokenHash: hashToken(token) };
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const verificationLink = (publicUrl: string, token: string) =>
  `${publicUrl}/verify-email?token=${encodeURIComponent(token)}`;
