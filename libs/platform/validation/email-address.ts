import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, MaxLength } from 'class-validator';

/**
 * An address as accounts, invitations and lists keep and compare it: trimmed,
 * in Unicode NFC (`é` typed as one character or as `e` and an accent is one
 * address), lower-cased.
 */
export const normaliseEmail = (value: unknown): unknown =>
  typeof value === 'string' ? value.trim().normalize('NFC').toLowerCase() : value;

/**
 * A request's email address, normalised. Quoted local parts (`"ann"@…`) are
 * refused: they can hold spaces and line breaks, and mostly name the same
 * mailbox as the unquoted form, which would make a second account for it.
 */
export const EmailAddress = () =>
  applyDecorators(
    Transform(({ value }) => normaliseEmail(value)),
    IsEmail({ blacklisted_chars: '"' }),
    MaxLength(254),
  );
