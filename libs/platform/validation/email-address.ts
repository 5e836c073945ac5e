import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { buildMessage, IsEmail, MaxLength, ValidateBy } from 'class-validator';

/**
 * An address as accounts, invitations and lists keep and compare it: trimmed,
 * in Unicode NFC (`é` typed as one character or as `e` and an accent is one
 * address), lower-cased.
 */
export const normaliseEmail = (value: unknown): unknown =>
  typeof value === 'string' ? normalisedEmail(value) : value;

export const normalisedEmail = (email: string): string =>
  email.trim().normalize('NFC').toLowerCase();

/**
 * Soft hyphens, zero-width spaces, joiners and the like: an address holding one
 * looks the same as the one without it, yet would be another account.
 */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;

/**
 * A request's email address, normalised. Quoted local parts (`"ann"@…`) are
 * refused: they can hold spaces and line breaks, and mostly name the same
 * mailbox as the unquoted form, which would make a second account for it.
 * Invisible characters are refused for the same reason.
 */
export const EmailAddress = () =>
  applyDecorators(
    Transform(({ value }) => normaliseEmail(value)),
    IsEmail({ blacklisted_chars: '"' }),
    NotMatches(INVISIBLE, '$property must not contain invisible characters'),
    MaxLength(254),
  );

const NotMatches = (pattern: RegExp, message: string) =>
  ValidateBy({
    name: 'notMatches',
    validator: {
      validate: (value) => typeof value === 'string' && !pattern.test(value),
      defaultMessage: buildMessage(() => message),
    },
  });
