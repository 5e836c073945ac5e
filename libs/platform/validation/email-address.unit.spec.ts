import type { ArgumentMetadata } from '@nestjs/common';
import { strictValidationPipe } from '../http/validation.pipe';
import { EmailAddress, NewEmailAddress, normalisedEmail } from './email-address';

class WithEmail {
  @EmailAddress()
  email!: string;
}

class WithNewEmail {
  @NewEmailAddress()
  email!: string;
}

const body: ArgumentMetadata = { type: 'body', metatype: WithEmail };
const take = (email: string) => strictValidationPipe().transform({ email }, body);
const takeNew = (email: string) =>
  strictValidationPipe().transform({ email }, { type: 'body', metatype: WithNewEmail });

describe('EmailAddress', () => {
  describe('when one address is written in different ways', () => {
    it('takes each as the same: trimmed, NFC and lower-cased', async () => {
      const composed = await take(' Jos\u00e9@Example.com ');
      const decomposed = await take('JOSE\u0301@example.COM');
      expect(composed).toEqual({ email: 'jos\u00e9@example.com' });
      expect(decomposed).toEqual(composed);
    });
  });

  describe('when a capital with a mark has no composed form, but its small letter has', () => {
    it('takes it as the composed small letter, so the address stored normalises to itself', async () => {
      const decomposed = await take('T\u0308om@example.com');
      expect(decomposed).toEqual({ email: '\u1e97om@example.com' });
      expect(await take('\u1e97om@example.com')).toEqual(decomposed);
    });

    it('gives every capital and mark an address that normalises to itself', () => {
      for (let capital = 0x41; capital <= 0x3a9; capital++) {
        for (let mark = 0x300; mark <= 0x36f; mark++) {
          const once = normalisedEmail(`${String.fromCharCode(capital, mark)}@x.io`);
          expect(normalisedEmail(once)).toBe(once);
        }
      }
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

  describe('when an address to record holds an invisible character', () => {
    it.each([
      ['a soft hyphen', 'ann@exa\u00admple.com'],
      ['a zero-width space', 'ann@example.com\u200b'],
      ['a word joiner', 'a\u2060nn@example.com'],
    ])('refuses %s, as the address would look like another account’s', async (_, email) => {
      await expect(takeNew(email)).rejects.toMatchObject({
        code: 'validation_failed',
        errors: [expect.objectContaining({ field: 'email' })],
      });
    });

    it('takes the joiners and variation selectors some scripts need', async () => {
      await expect(takeNew('\u0645\u06cc\u200c\u0631@example.com')).resolves.toBeDefined();
    });

    it('still looks up an address stored with one, as login and resend do', async () => {
      await expect(take('ann@exa\u00admple.com')).resolves.toEqual({
        email: 'ann@exa\u00admple.com',
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
