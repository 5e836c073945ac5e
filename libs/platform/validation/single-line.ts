import { applyDecorators } from '@nestjs/common';
import { buildMessage, Matches, ValidateBy } from 'class-validator';

/**
 * What may not be in a name that ends up in emails and lists: control
 * characters (line breaks, tabs, escapes), Unicode line and paragraph
 * separators, and the bidirectional embeddings, overrides and isolates (a
 * right-to-left override shows the rest of a message reversed). The marks
 * (LRM, RLM, ALM) are allowed: they reorder nothing past their neighbours,
 * and right-to-left names pasted from elsewhere often hold them.
 */
const BIDI_CONTROLS = '\\u202A-\\u202E\\u2066-\\u2069';
const LAYOUT = `\\p{Cc}\\p{Zl}\\p{Zp}${BIDI_CONTROLS}`;

/**
 * What shows nothing on its own: marks with no letter to sit on, zero-width
 * and other ignorable characters, spaces (those the trim left are only ever
 * beside such characters).
 */
const UNSEEN = '\\p{M}\\p{Default_Ignorable_Code_Point}\\p{Z}';

/**
 * A name checked on the way in: one line of text, so it cannot lay out a
 * message of its own, and, unless empty, something a reader can see (a name
 * of a zero-width space passed as given, where one of spaces was refused).
 */
export const SingleLine = () =>
  applyDecorators(
    Matches(new RegExp(`^[^${LAYOUT}]*$`, 'u'), {
      message: '$property must be one line of text, without control characters',
    }),
    ValidateBy({
      name: 'visible',
      validator: {
        validate: (value) => typeof value === 'string' && (value === '' || isVisible(value)),
        defaultMessage: buildMessage(() => '$property must hold a visible character'),
      },
    }),
  );

/** Compiled once: names are checked on every send. */
const VISIBLE = new RegExp(`[^${UNSEEN}]`, 'u');
const isVisible = (text: string) => VISIBLE.test(text);

/** As LAYOUT, less tabs and line breaks: a text of several lines may hold them. */
const LAYOUT_BUT_LINES = `\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f${BIDI_CONTROLS}`;

/** A free text checked on the way in (a reason): lines of text, without control characters. */
export const PlainText = () =>
  Matches(new RegExp(`^[^${LAYOUT_BUT_LINES}]*$`, 'u'), {
    message: '$property must be text without control characters',
  });

/**
 * A name from elsewhere (a token's claim, a record older than the check) made
 * one line as SingleLine would have it, at most `max` characters.
 */
export const asOneLine = (text: string, max = 200): string => {
  const line = text
    .replace(new RegExp(`[${LAYOUT}]+`, 'gu'), ' ')
    .trim()
    .slice(0, max);
  return isVisible(line) ? line : ''; // nothing a reader could see: no name
};
