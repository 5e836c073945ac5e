import type { ArgumentMetadata } from '@nestjs/common';
import { strictValidationPipe } from '../http/validation.pipe';
import { EmailAddress } from './email-address';

class WithEmail {
  @EmailAddress()
  email!: string;
}

const body: ArgumentMetadata = { type: 'body', metatype: WithEmail };
const take = (email: string) => strictValidationPipe().transform({ email }, body);

describe('EmailAddress', () => {
  describe('when one address is written in different ways', () => {
    it('takes each as the same: trimmed, NFC and lower-cased', async () => {
      const composed = await take(' Jos\u00e9@Example.com ');
      const decomposed = await take('JOSE\u0301@example.COM');
      expect(composed).toEqual({ email: 'jos\u00e9@example.com' });
      expect(decomposed).toEqual(composed);
    });
  });

  describe('when the local part is quoted', () => {
    it.each(['"ann"@example.com', '"a\r\nb"@example.com', '"ann lee"@example.com'])(
      'refuses %j with validation_failed',
      async (email) => {
        await expect(take(email)).rejects.toMatchObject({
          code: 'validation_failed',
          errors: [expect.objectContaining({ field: 'email' })],
        });
      },
    );
  });

  describe('when it holds an invisible character', () => {
    it.each([
      ['a soft hyphen', 'ann@exa\u00admple.com'],
      ['a zero-width space', 'ann@example.com\u200b'],
      ['a zero-width joiner', 'a\u200dnn@example.com'],
    ])('refuses %s, as the address would look like another account’s', async (_, email) => {
      await expect(take(email)).rejects.toMatchObject({
        code: 'validation_failed',
        errors: [expect.objectContaining({ field: 'email' })],
      });
    });
  });

  describe('when it is longer than an address can be', () => {
    it('refuses it', async () => {
      await expect(take(`${'a'.repeat(64)}@${'b'.repeat(190)}.com`)).rejects.toMatchObject({
        code: 'validation_failed',
      });
    });
  });
});
