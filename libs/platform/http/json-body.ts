import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { MIMEType } from 'node:util';
import { invalid } from '../errors/app-error';
import { utf8Text } from '../text/utf8';
import { httpError } from './problem-details.filter';

/**
 * Bodies are JSON only, read as UTF-8: bytes that are not UTF-8 are refused
 * (decoded as a string, Fastify put U+FFFD in place of each, so a chunked
 * body was stored so). Many clients label every POST as JSON: an empty body
 * so labelled is no body, not an error.
 */
export function acceptJsonBodies(instance: FastifyInstance): void {
  instance.removeContentTypeParser('text/plain');
  const json = instance.getDefaultJsonParser('error', 'error');
  instance.removeContentTypeParser('application/json');
  instance.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, bytes, done) => {
    if ((bytes as Buffer).length === 0) return done(null, undefined);
    const unreadable = unreadableBody(req.headers);
    if (unreadable) return done(unreadable, undefined);
    const body = utf8Text(bytes as Buffer);
    if (body === undefined) return done(notUtf8(), undefined);
    json(req, body, (error, value) => done(error && jsonBodyRefusal(body, error), value));
  });
}

const notUtf8 = () => invalid('malformed_text', 'The JSON body is not valid UTF-8.');

/**
 * The refusal of a body Fastify's JSON parser refused. It refuses a `__proto__` key or a
 * `constructor` holding `prototype` (keys that could reach an object's prototype) as it
 * refuses broken JSON: a body that is valid JSON was refused for such a key, and is told so.
 */
function jsonBodyRefusal(body: string, error: Error): Error {
  try {
    JSON.parse(body);
  } catch {
    return error;
  }
  return invalid(
    'bad_request',
    'The JSON body has a "__proto__" key, or a "constructor" key holding "prototype": neither is accepted.',
  );
}

/**
 * A JSON body this service cannot read as it is sent: compressed
 * (`Content-Encoding` other than identity), or labelled UTF-16 or UTF-32.
 * Either was read as UTF-8 text all the same and refused as broken JSON; it
 * is refused with 415 saying what to send. Any other charset is read as UTF-8,
 * as RFC 8259 has it (JSON between systems is UTF-8; a charset changes nothing).
 */
function unreadableBody(headers: IncomingHttpHeaders): Error | undefined {
  const encodings = (headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e && e !== 'identity');
  if (encodings.length) {
    return httpError(
      415,
      `Content-Encoding ${encodings.join(', ')} is not accepted; send the body as it is.`,
    );
  }
  const charset = charsetOf(headers['content-type']);
  if (charset && /^utf-?(16|32)/i.test(charset)) {
    return httpError(415, `JSON bodies are read as UTF-8; charset=${charset} is not accepted.`);
  }
  return undefined;
}

function charsetOf(contentType: string | undefined): string | undefined {
  try {
    return contentType ? (new MIMEType(contentType).params.get('charset') ?? undefined) : undefined;
  } catch {
    return undefined; // a type Fastify matched but Node cannot parse: read as it is
  }
}
