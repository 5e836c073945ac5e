import { hashToken, randomToken } from '../../../libs/platform/crypto/link-token';

/** A verification token for the email link; only its SHA-256 is ever stored. */
export function newVerificationToken(): { token: string; tokenHash: string } {
  const token = randomToken();
  return { token, tokenHash: hashToken(token) };
}

export { hashToken };

export const verificationLink = (publicUrl: string, token: string) =>
  `${publicUrl}/verify-email?token=${encodeURIComponent(token)}`;
