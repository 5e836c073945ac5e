import fc from 'fast-check';

/**
 * Random HTTP inputs for property-based fuzzing: bodies of any JSON shape
 * (wrong types, huge strings, deep nesting, unknown and prototype-polluting
 * fields), raw non-JSON bodies, path segments, query strings and headers.
 * Everything a real HTTP client can put on the wire; nothing that would
 * break the HTTP framing itself.
 */

/** Percent-encodes every byte but the unreserved ones (lone surrogates become U+FFFD). */
export const encode = (text: string) =>
  [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

/** Characters allowed in a header value: visible ASCII, space, tab and Latin-1. */
const headerChar = fc
  .oneof(
    { weight: 16, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 2, arbitrary: fc.integer({ min: 0xa0, max: 0xff }) },
    { weight: 1, arbitrary: fc.constant(0x09) },
  )
  .map((c) => String.fromCharCode(c));
export const headerText = (maxLength = 60) => fc.string({ unit: headerChar, maxLength });

/** Strings far beyond any field's limit, some beyond the 64 KiB body limit once encoded. */
export const hugeText = fc
  .tuple(fc.integer({ min: 300, max: 70_000 }), fc.constantFrom('a', 'é', '😀', '\u0000', ' ', '"'))
  .map(([n, c]) => c.repeat(n));

const tricky = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\ufeff',
  '\ud800',
  '../../etc/passwd',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '%00',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '1e309',
  '-0',
);

export const anyText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 2, arbitrary: tricky },
  { weight: 1, arbitrary: hugeText },
);

/** JSON nested far deeper than any DTO, written out only when the body is serialised. */
export class DeepJson {
  constructor(
    readonly depth: number,
    readonly arrays: boolean,
  ) {}
  text(): string {
    const { depth } = this;
    return this.arrays
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  }
  [fc.toStringMethod](): string {
    return `<${this.depth} nested ${this.arrays ? 'arrays' : 'objects'}>`;
  }
}

/** Any JSON value, small and shallow, or nested far deeper than any DTO. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: anyText },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(0, -1, 1.5, 2 ** 53, 1e308, true, false, null, [], {}),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 10, max: 20_000 }), fc.boolean())
      .map(([depth, arrays]) => new DeepJson(depth, arrays)),
  },
);

/** JSON text of `value`, with each DeepJson written out in place. */
export function serialize(value: unknown): string {
  const deep: DeepJson[] = [];
  const text =
    JSON.stringify(value, (_key, v: unknown) =>
      v instanceof DeepJson ? `\u0000deep${deep.push(v) - 1}\u0000` : v,
    ) ?? 'null';
  return text.replace(/"\\u0000deep(\d+)\\u0000"/g, (_m, i: string) => deep[Number(i)].text());
}

const unknownKey = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'admin', 'vendorId', 'status', 'id'),
);

/**
 * A JSON object shaped like the route's valid body: each field absent, valid,
 * of a wrong type or a strange string; sometimes with unknown fields.
 */
export function shapedBody(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, valid] of Object.entries(fields)) {
    model[name] = fc.oneof(
      { weight: 6, arbitrary: valid },
      { weight: 2, arbitrary: anyJson },
      { weight: 1, arbitrary: anyText },
    );
  }
  const required = Object.keys(fields);
  return fc
    .tuple(
      fc.record(model, { requiredKeys: [] }),
      fc.record(model, { requiredKeys: required }),
      fc.boolean(),
      fc.option(fc.dictionary(unknownKey, anyJson, { maxKeys: 3 }), { freq: 4 }),
    )
    .map(([some, all, complete, unknown]) => {
      const body: Record<string, unknown> = { ...(unknown ?? {}) };
      // Own data properties, even for "__proto__" (JSON.stringify writes them like any other).
      for (const [k, v] of Object.entries(complete ? all : some)) {
        Object.defineProperty(body, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return body;
    });
}

export type FuzzBody = { json: unknown } | { raw: string } | undefined;

/**
 * A request body: a valid one (`validWeight` in 14), a route-shaped one with
 * broken fields, any JSON, broken JSON, plain text, or none.
 */
export function requestBody(
  fields: Record<string, fc.Arbitrary<unknown>>,
  validWeight = 6,
): fc.Arbitrary<FuzzBody> {
  return fc.oneof(
    { weight: validWeight, arbitrary: fc.record(fields).map((json) => ({ json })) },
    { weight: 8, arbitrary: shapedBody(fields).map((json) => ({ json })) },
    { weight: 3, arbitrary: anyJson.map((json) => ({ json })) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        shapedBody(fields).chain((b) => {
          const text = serialize(b);
          return fc
            .nat({ max: Math.max(0, text.length - 1) })
            .map((cut) => ({ raw: text.slice(0, cut) }));
        }),
        anyText.map((raw) => ({ raw })),
        fc.constantFrom(
          { raw: '{"a":1,}' },
          { raw: "{'a':1}" },
          { raw: '{"a":1}{"b":2}' },
          { raw: '{"__proto__":{"admin":true}}' },
          { raw: '{"constructor":{"prototype":{"admin":true}}}' },
          { raw: 'email=ann%40example.com&firstName=Ann' },
          { raw: '\ufeff{}' },
        ),
      ),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

export const bodyBytes = (body: FuzzBody): Buffer | undefined =>
  body === undefined
    ? undefined
    : Buffer.from('raw' in body ? body.raw : serialize(body.json), 'utf8');

export const contentType = fc.option(
  fc.oneof(
    { weight: 14, arbitrary: fc.constant('application/json') },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json;',
        'application/json, text/plain',
        'text/plain',
        'text/plain; charset=utf-8',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=----x',
        'application/xml',
        'application/problem+json',
        'application/cloudevents+json',
        'application/octet-stream',
        'application/*',
        '*/*',
        'json',
        '',
      ),
    },
    { weight: 1, arbitrary: headerText(40) },
  ),
  { nil: undefined, freq: 10 },
);

/** A path segment: one of the meaningful ids (the first most often), any UUID, or anything at all. */
export function pathSegment(meaningful: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(meaningful[0]) },
    { weight: 2, arbitrary: fc.constantFrom(...meaningful) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) },
    { weight: 2, arbitrary: anyText.map(encode).filter((t) => t.length < 4000) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '%',
        '%zz',
        '%E0%A4%A',
        '%C0%AE',
        '%00',
        '%2F',
        '..',
        '%2e%2e',
        ';',
        'a;b=c',
        '0',
        '-1',
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 4000 }).map((n) => 'a'.repeat(n)) },
  );
}

/** A query string (without `?`): known keys with good and bad values, unknown keys, raw junk. */
export function queryString(known: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const keys = Object.keys(known);
  const pair = fc.oneof(
    ...(keys.length
      ? [
          {
            weight: 6,
            arbitrary: fc.constantFrom(...keys).chain((k) =>
              fc.tuple(
                fc.constant(k),
                fc.oneof(
                  known[k],
                  anyText.filter((t) => t.length < 1000),
                ),
              ),
            ),
          },
        ]
      : []),
    {
      weight: 2,
      arbitrary: fc.tuple(
        fc.oneof(
          fc.string({ maxLength: 10 }),
          fc.constantFrom('sort', 'a[b]', 'a[]', '__proto__', ''),
        ),
        fc.string({ maxLength: 20 }),
      ),
    },
  );
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .array(pair, { maxLength: 4 })
        .map((ps) => ps.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'))
        .filter((q) => q.length < 6000), // request line and headers stay under Node's 16 KiB
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '%',
        '%zz',
        'a=%E0%A4%A',
        '&&&',
        '=',
        '==',
        'limit=1&limit=2',
        'limit[]=1',
        'email[$ne]=x',
        'status=pending&status=accepted',
        'cursor=',
        'limit=',
      ),
    },
  );
}

/** Base64url cursors of any shape: right tag with wrong fields, wrong tag, random bytes. */
export const cursorText = fc.oneof(
  fc
    .record(
      {
        k: fc.oneof(fc.constantFrom('invitations', 'relationships'), anyJson),
        t: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          anyJson,
        ),
        id: fc.oneof(fc.uuid(), anyJson),
      },
      { requiredKeys: [] },
    )
    .map((c) => Buffer.from(JSON.stringify(c)).toString('base64url')),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64url')),
);

/** X-Min-Position: positions below and far above the head, and things that are no position. */
export const minPosition = fc.option(
  fc.oneof(
    { weight: 4, arbitrary: fc.nat({ max: 40 }).map(String) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '-1',
        '1e3',
        '0x10',
        '1.5',
        ' 7',
        '١٢',
        '18446744073709551615',
        '18446744073709551616',
        '00000000000000000000001',
        '',
      ),
    },
    { weight: 1, arbitrary: headerText(30) },
  ),
  { nil: undefined, freq: 3 },
);

/** A few other headers a client may send, with random values. */
export const otherHeaders = fc.record(
  {
    'x-correlation-id': headerText(150),
    accept: fc.oneof(
      fc.constantFrom('application/json', 'application/xml', '*/*', 'text/html;q=0'),
      headerText(40),
    ),
    'content-encoding': fc.oneof(
      { weight: 6, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('identity', 'gzip', 'deflate', 'br', 'x-unknown') },
    ),
    'x-forwarded-for': headerText(40),
    'x-fuzz': headerText(200),
  },
  { requiredKeys: [] },
);

/**
 * Authorization: none, real tokens (also spelled loosely), tampered real
 * tokens, forged ones (`alg: none`, foreign keys, expired), and junk.
 */
export function authorization(
  preferred: string,
  valid: string[],
  forged: string[],
): fc.Arbitrary<string | undefined> {
  const token = fc.constantFrom(...valid);
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 8, arbitrary: fc.constant(`Bearer ${preferred}`) },
    { weight: 3, arbitrary: token.map((t) => `Bearer ${t}`) },
    { weight: 1, arbitrary: token.map((t) => `bearer \t ${t}`) },
    { weight: 1, arbitrary: token },
    {
      weight: 2,
      arbitrary: fc
        .tuple(token, fc.nat(), fc.constantFrom('A', 'b', '-', '_', '.', '='))
        .map(([t, i, c]) => `Bearer ${t.slice(0, i % t.length)}${c}${t.slice((i % t.length) + 1)}`),
    },
    { weight: 2, arbitrary: fc.constantFrom(...forged).map((t) => `Bearer ${t}`) },
    { weight: 1, arbitrary: headerText(80).map((s) => `Bearer ${s}`) },
    { weight: 1, arbitrary: headerText(80) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Basic Zm9vOmJhcg==',
        'Bearer a.b.c',
        'Bearer ...',
        `Bearer ${'x'.repeat(4000)}`,
      ),
    },
  );
}
