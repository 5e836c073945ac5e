import { hashToken, newInvitationToken, sameTokenHash } from './invitation-token';

describe('invitation tokens', () => {
  describe('when a token is issued', () => {
    it('is 32 random bytes in base64url', () => {
      const token = newInvitationToken();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(newInvitationToken()).not.toBe(token);
    });

    it('is stored only as its SHA-256 hex', () => {
      expect(hashToken('abc')).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
    });
  });

  describe('when hashes are compared', () => {
    it('matches equal hashes and nothing else', () => {
      expect(sameTokenHash(hashToken('a'), hashToken('a'))).toBe(true);
      expect(sameTokenHash(hashToken('a'), hashToken('b'))).toBe(false);
      expect(sameTokenHash(hashToken('a'), 'not-hex')).toBe(false);
      expect(sameTokenHash('', '')).toBe(false);
    });
  });
});
