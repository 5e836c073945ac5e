import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { buildMessage, IsEmail, MaxLength, ValidateBy } from 'class-validator';
import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * An address as accounts, invitations and lists keep and compare it: trimmed,
 * in Unicode NFC (`é` typed as one character or as `e` and an accent is one
 * address), lower-cased. NFC again after lower-casing: `T` with a diaeresis
 * has no composed capital, but lower-cased it composes to `ẗ`, so the address
 * stored was not the one its own normalisation gave (it could not log in, and
 * the composed spelling was a second account).
 */
export const normaliseEmail = (value: unknown): unknown =>
  typeof value === 'string' ? normalisedEmail(value) : value;

export const normalisedEmail = (email: string): string =>
  email.trim().normalize('NFC').toLowerCase().normalize('NFC');

/**
 * The mailbox an address names: as normalised, with its domain in one
 * spelling, since `bücher.example` and `xn--bcher-kva.example` are one DNS
 * name (a customer's sign-on may hand over either). The spelling is the
 * Unicode one, which a normalised address already has for every domain but
 * one typed as `xn--…`, so keys made from it before stay as they were.
 * Accounts and invitations keep the address as given.
 */
export function mailboxOf(email: string): string {
  const normalised = normalisedEmail(email);
  const at = normalised.lastIndexOf('@');
  const ascii = domainToASCII(normalised.slice(at + 1));
  return ascii ? `${normalised.slice(0, at + 1)}${domainToUnicode(ascii)}` : normalised;
}

/** Whether two addresses name one mailbox (`mailboxOf`). */
export const sameMailbox = (a: string, b: string): boolean => mailboxOf(a) === mailboxOf(b);

/**
 * Soft hyphens, zero-width spaces, word joiners and the like: an address
 * holding one looks the same as the one without it, yet would be another
 * account. Zero-width (non-)joiners and variation selectors are left alone:
 * some scripts and emoji need them.
 */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
const NEEDED_INVISIBLE = /[\u200c\u200d\ufe00-\ufe0f]/gu;
const hasInvisible = (value: string) => INVISIBLE.test(value.replace(NEEDED_INVISIBLE, ''));

/**
 * A request's email address, normalised. Quoted local parts (`"ann"@…`) are
 * refused: they can hold spaces and line breaks, and mostly name the same
 * mailbox as the unquoted form, which would make a second account for it.
 * Routes that look an address up (login, resend) take it as it is stored.
 */
export const EmailAddress = () =>
  applyDecorators(
    Transform(({ value }) => normaliseEmail(value)),
    IsEmail({ blacklisted_chars: '"' }),
    MaxLength(254),
  );

/**
 * An address about to be recorded (a registration, an invitation): as
 * `EmailAddress`, and refused when it holds an invisible character.
 */
export const NewEmailAddress = () =>
  applyDecorators(
    EmailAddress(),
    ValidateBy({
      name: 'noInvisibleCharacters',
      validator: {
        validate: (value) => typeof value === 'string' && !hasInvisible(value),
        defaultMessage: buildMessage(() => '$property must not contain invisible characters'),
      },
    }),
  );
