import { createHash } from 'node:crypto';
import { hashToken, newVerificationToken, verificationLink } from './verification-token';

describe('verification tokens', () => {
  describe('when a token is issued', () => {
    const { token, tokenHash } = newVerificationToken();

    it('is 32 random bytes in base64url', () => {
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(token).toMatch(/^[\w-]{43}$/);
      expect(newVerificationToken().token).not.toBe(token);
    });

    it('comes with its SHA-256, which is what gets stored', () => {
      expect(tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(hashToken(token)).toBe(tokenHash);
    });

    it('is sent as a link to the front end', () => {
      expect(verificationLink('https://app.example', token)).toBe(
        `https://app.example/verify-email?token=${token}`,
      );
    });
  });
});
