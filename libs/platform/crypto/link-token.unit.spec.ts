import { hashToken, randomToken } from './link-token';

describe('randomToken', () => {
  describe('when many tokens are drawn, across several batches of the pool', () => {
    const tokens = Array.from({ length: 1_000 }, () => randomToken());

    it('gives 256 bits each, base64url without padding', () => {
      for (const token of tokens) {
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      }
    });

    it('never gives the same token twice', () => {
      expect(new Set(tokens).size).toBe(tokens.length);
    });

    it('never gives a token of zero bytes (a wiped slot handed out again)', () => {
      expect(tokens).not.toContain(Buffer.alloc(32).toString('base64url'));
    });
  });

  describe('when a token is hashed', () => {
    it('gives its SHA-256 as 64 hex digits, the same for the same token', () => {
      const token = randomToken();
      expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
      expect(hashToken(token)).toBe(hashToken(token));
      expect(hashToken('abc')).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
    });
  });
});
