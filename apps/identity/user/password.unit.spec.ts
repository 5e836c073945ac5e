import { hashPassword, verifyAgainstDummy, verifyPassword } from './password';

describe('password hashing', () => {
  describe('when a password has been hashed', () => {
    let encoded: string;
    beforeAll(async () => {
      encoded = await hashPassword('correct horse battery');
    });

    it('stores scrypt with its parameters and never the password', () => {
      expect(encoded).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
      expect(encoded).not.toContain('correct horse');
    });

    it('accepts the same password', async () => {
      await expect(verifyPassword('correct horse battery', encoded)).resolves.toBe(true);
    });

    it('rejects a different password', async () => {
      await expect(verifyPassword('correct horse batterz', encoded)).resolves.toBe(false);
    });

    it('salts each hash differently', async () => {
      await expect(hashPassword('correct horse battery')).resolves.not.toBe(encoded);
    });
  });

  describe('when the stored hash is malformed', () => {
    it.each(['', 'plain', 'scrypt$3$8$1$abc$def', 'bcrypt$32768$8$1$abc$def'])(
      'rejects %p',
      async (encoded) => {
        await expect(verifyPassword('anything', encoded)).resolves.toBe(false);
      },
    );
  });

  describe('when there is no account to check against', () => {
    it('does the work and answers false', async () => {
      await expect(verifyAgainstDummy('dummy password, matches nothing')).resolves.toBe(false);
    });
  });
});
