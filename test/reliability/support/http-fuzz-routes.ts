import fc from 'fast-check';
import { SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../../libs/auth/principal';
import type { IdentityTestUser } from '../../../libs/testing/identity-test-client';
import { createTestTokens, testUser } from '../../../libs/testing/test-tokens';
import {
  anyText,
  authorization,
  bodyBytes,
  contentType,
  cursorText,
  minPosition,
  otherHeaders,
  pathSegment,
  queryString,
  requestBody,
  type FuzzBody,
} from './fuzz-arbitraries';
import type { RawRequest } from './raw-http';

export type Service = 'identity' | 'invitations' | 'query';

export const ROUTES = [
  'POST /auth/register',
  'POST /auth/verify-email',
  'POST /auth/resend-verification',
  'POST /auth/login',
  'GET /.well-known/jwks.json',
  'POST /invitations',
  'GET /invitations/:id',
  'POST /invitations/:id/resend',
  'POST /invitations/:id/cancel',
  'POST /invitations/:id/accept',
  'POST /invitations/:id/preview',
  'GET /vendors/:vendorId/invitations',
  'GET /vendors/:vendorId/customers',
  'GET /customers/:customerCompanyId/vendors',
  'GET /projections',
  'GET /health, /ready, /metrics, /docs on each service',
  'any method on any path of each service',
] as const;
export type Route = (typeof ROUTES)[number];

/** One random request, before it is put on the wire. */
export interface Fuzzed {
  service: Service;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | undefined>;
  body: FuzzBody;
}

/** What exists before the fuzzing starts: users with real tokens, invitations, a used token. */
export interface FuzzContext {
  vendor: IdentityTestUser;
  customer: IdentityTestUser;
  otherVendor: IdentityTestUser;
  usedVerificationToken: string;
  /** An invitation of the vendor per route that acts on one; `accept`'s is to the customer. */
  invitation: Record<'get' | 'resend' | 'cancel' | 'accept', string>;
  acceptToken: string;
  /** Tokens that must not be accepted: `alg: none`, re-signed claims, foreign keys. */
  forged: string[];
}

const PASSWORD = 'correct horse battery';

/**
 * Tokens that look right but must be refused: unsigned (`alg: none`), claims
 * changed under a real signature, signed by another key (also expired), and
 * HS256 keyed with the public JWKS.
 */
export async function forgeTokens(
  vendor: IdentityTestUser,
  customer: IdentityTestUser,
  jwks: string,
): Promise<string[]> {
  const foreign = await createTestTokens();
  const impostor = testUser('vendor', { userId: vendor.userId, companyId: vendor.companyId });
  const claims = {
    sub: vendor.userId,
    email: vendor.email,
    email_verified: true,
    account_type: 'vendor',
    company_id: vendor.companyId,
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    exp: Math.floor(Date.now() / 1000) + 3600,
  };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const [header, , signature] = customer.accessToken.split('.');
  return [
    `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    `${header}.${b64({ ...claims, account_type: 'customer' })}.${signature}`,
    await foreign.mint(impostor),
    await foreign.mint(impostor, { expiresInSeconds: -60 }),
    await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(jwks)),
  ];
}

/** Each route as an arbitrary of requests: its service, method, path, token, body and query. */
export function fuzzRoutes(ctx: FuzzContext): Record<Route, () => fc.Arbitrary<Fuzzed>> {
  const { vendor, customer, otherVendor, usedVerificationToken, invitation, acceptToken, forged } =
    ctx;
  type As = 'vendor' | 'customer' | 'anyone';
  function headers(as: As) {
    const tokens = [vendor.accessToken, customer.accessToken, otherVendor.accessToken];
    const preferred = as === 'customer' ? customer.accessToken : vendor.accessToken;
    return fc
      .record({
        authorization:
          as === 'anyone'
            ? fc.option(authorization(preferred, tokens, forged), { nil: undefined, freq: 2 })
            : authorization(preferred, tokens, forged),
        'content-type': contentType,
        'x-min-position': minPosition,
        other: otherHeaders,
      })
      .map(({ other, ...h }) => ({ ...other, ...h }));
  }

  const email = fc.oneof(
    fc.uuid().map((u) => `fuzz-${u.slice(0, 8)}@example.com`),
    fc.constantFrom('ann@example.com', 'ANN@Example.COM', 'a@b', '@', 'a@b.c.'),
  );
  const name = fc.oneof(fc.constantFrom('Ann', 'Lee', ' Ann '), fc.string({ maxLength: 12 }));
  const days = fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: -3, max: 40 }));
  const limit = fc.oneof(
    fc.integer({ min: -5, max: 150 }).map(String),
    fc.constantFrom('1.5', 'ten', '1e2', ''),
  );
  const statusOf = (values: string[]) =>
    fc.oneof(fc.constantFrom(...values), fc.string({ maxLength: 10 }));

  interface RouteShape {
    service: Service;
    method: string;
    path: fc.Arbitrary<string>;
    /** Whose token the route wants; others (and none, and forged ones) are tried too. */
    as: As;
    /** A valid body; absent: the route takes none (one is sent now and then anyway). */
    body?: Record<string, fc.Arbitrary<unknown>>;
    /** How often, in 14, the body is entirely valid (rare where a valid one costs a password hash). */
    validWeight?: number;
    query?: Record<string, fc.Arbitrary<string>>;
  }

  /** Shown by fast-check for a counterexample: the request as sent, clipped. */
  const described = (f: Fuzzed): Fuzzed =>
    Object.defineProperty(f, fc.toStringMethod, {
      value: () => {
        const { request } = toRaw(f);
        return `${f.service} ${describeRequest(request)}`;
      },
    });

  const shaped = (r: RouteShape) => () =>
    fc
      .record({
        service: fc.constant(r.service),
        method: fc.constant(r.method),
        path: r.path,
        // A route that takes no query refuses any: mostly none, so valid bodies still reach it.
        query: r.query
          ? queryString(r.query)
          : fc.oneof({ weight: 2, arbitrary: fc.constant('') }, queryString({})),
        headers: headers(r.as),
        body: r.body
          ? requestBody(r.body, r.validWeight)
          : fc.option(requestBody({}), { nil: undefined, freq: 3 }),
      })
      .map(described);

  const ids = Object.values(invitation);
  const invitationPath = (id: string, suffix: string) =>
    pathSegment([id, ...ids]).map((x) => `/invitations/${x}${suffix}`);
  const companyPath = (own: string, template: (id: string) => string) =>
    pathSegment([own, vendor.companyId, customer.companyId, otherVendor.companyId]).map(template);
  const list = {
    limit,
    cursor: fc.oneof(
      cursorText,
      anyText.filter((t) => t.length < 1000),
    ),
  };
  const anyService = fc.constantFrom<Service>('identity', 'invitations', 'query');
  return {
    'POST /auth/register': shaped({
      service: 'identity',
      method: 'POST',
      path: fc.constant('/auth/register'),
      as: 'anyone',
      validWeight: 1,
      body: {
        email,
        password: fc.constantFrom(PASSWORD, 'short', 'x'.repeat(129)),
        accountType: fc.constantFrom('vendor', 'customer', 'admin'),
        companyName: name,
        firstName: name,
        lastName: name,
      },
    }),
    'POST /auth/verify-email': shaped({
      service: 'identity',
      method: 'POST',
      path: fc.constant('/auth/verify-email'),
      as: 'anyone',
      body: {
        token: fc.oneof(
          fc.constant(usedVerificationToken),
          fc.base64String({ minLength: 40, maxLength: 48 }),
        ),
      },
    }),
    'POST /auth/resend-verification': shaped({
      service: 'identity',
      method: 'POST',
      path: fc.constant('/auth/resend-verification'),
      as: 'anyone',
      body: { email: fc.oneof(fc.constantFrom(customer.email, vendor.email), email) },
    }),
    'POST /auth/login': shaped({
      service: 'identity',
      method: 'POST',
      path: fc.constant('/auth/login'),
      as: 'anyone',
      validWeight: 1,
      body: {
        email: fc.oneof(fc.constantFrom(vendor.email, customer.email.toUpperCase()), email),
        password: fc.constantFrom(PASSWORD, 'wrong password'),
      },
    }),
    'GET /.well-known/jwks.json': shaped({
      service: 'identity',
      method: 'GET',
      path: fc.constant('/.well-known/jwks.json'),
      as: 'anyone',
    }),
    'POST /invitations': shaped({
      service: 'invitations',
      method: 'POST',
      path: fc.constant('/invitations'),
      as: 'vendor',
      body: {
        email: fc.oneof(email, fc.constant(customer.email)),
        firstName: name,
        lastName: name,
        businessName: name,
        customerNumber: name,
        expiresInDays: days,
      },
    }),
    'GET /invitations/:id': shaped({
      service: 'invitations',
      method: 'GET',
      path: invitationPath(invitation.get, ''),
      as: 'vendor',
    }),
    'POST /invitations/:id/resend': shaped({
      service: 'invitations',
      method: 'POST',
      path: invitationPath(invitation.resend, '/resend'),
      as: 'vendor',
      body: { expiresInDays: days },
    }),
    'POST /invitations/:id/cancel': shaped({
      service: 'invitations',
      method: 'POST',
      path: invitationPath(invitation.cancel, '/cancel'),
      as: 'vendor',
      body: { reason: name },
    }),
    'POST /invitations/:id/accept': shaped({
      service: 'invitations',
      method: 'POST',
      path: invitationPath(invitation.accept, '/accept'),
      as: 'customer',
      body: { token: fc.oneof(fc.constant(acceptToken), fc.base64String({ maxLength: 48 })) },
    }),
    'POST /invitations/:id/preview': shaped({
      service: 'invitations',
      method: 'POST',
      path: invitationPath(invitation.accept, '/preview'),
      as: 'anyone',
      body: { token: fc.oneof(fc.constant(acceptToken), fc.base64String({ maxLength: 48 })) },
    }),
    'GET /vendors/:vendorId/invitations': shaped({
      service: 'query',
      method: 'GET',
      path: companyPath(vendor.companyId, (id) => `/vendors/${id}/invitations`),
      as: 'vendor',
      query: {
        ...list,
        status: statusOf(['pending', 'accepted', 'expired', 'cancelled']),
        email,
      },
    }),
    'GET /vendors/:vendorId/customers': shaped({
      service: 'query',
      method: 'GET',
      path: companyPath(vendor.companyId, (id) => `/vendors/${id}/customers`),
      as: 'vendor',
      query: { ...list, status: statusOf(['active', 'inactive']) },
    }),
    'GET /customers/:customerCompanyId/vendors': shaped({
      service: 'query',
      method: 'GET',
      path: companyPath(customer.companyId, (id) => `/customers/${id}/vendors`),
      as: 'customer',
      query: { ...list, status: statusOf(['active', 'inactive']) },
    }),
    'GET /projections': shaped({
      service: 'query',
      method: 'GET',
      path: fc.constant('/projections'),
      as: 'vendor',
    }),
    'GET /health, /ready, /metrics, /docs on each service': () =>
      fc
        .tuple(
          anyService,
          shaped({
            service: 'identity',
            method: 'GET',
            path: fc.constantFrom('/health', '/ready', '/metrics', '/docs', '/docs-json'),
            as: 'anyone',
          })(),
        )
        .map(([service, r]) => described({ ...r, service })),
    'any method on any path of each service': () =>
      fc
        .tuple(
          anyService,
          fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
          fc.oneof(
            fc.constantFrom(
              '/auth/register',
              '/auth/login',
              '/invitations',
              `/invitations/${invitation.get}`,
              `/vendors/${vendor.companyId}/invitations`,
              '/projections',
              '/',
            ),
            fc
              .array(pathSegment(['invitations', 'auth', 'vendors', 'docs']), {
                minLength: 1,
                maxLength: 3,
              })
              .map((segments) => `/${segments.join('/')}`),
          ),
          shaped({
            service: 'identity',
            method: 'GET',
            path: fc.constant('/'),
            as: 'vendor',
            body: { email, token: anyText },
          })(),
        )
        .map(([service, method, path, r]) => described({ ...r, service, method, path })),
  };
}

/** The request as it goes on the wire. */
export function toRaw(input: Fuzzed): { request: RawRequest } {
  const headers = Object.fromEntries(
    Object.entries(input.headers).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return {
    request: {
      method: input.method,
      path: input.query ? `${input.path}?${input.query}` : input.path,
      headers,
      body: bodyBytes(input.body),
    },
  };
}

/** One line, long parts clipped, for reports and counterexamples. */
export function describeRequest(request: RawRequest): string {
  const headers = JSON.stringify(request.headers, (_k, v: unknown) =>
    typeof v === 'string' ? clip(v, 60) : v,
  );
  const body = request.body ? ` body ${describeBody(request.body)}` : '';
  return `${request.method} ${clip(request.path, 120)} headers ${headers}${body}`;
}

export function clip(text: string, max: number): string {
  return typeof text === 'string' && text.length > max
    ? `${text.slice(0, max)}…(${text.length})`
    : text;
}

function describeBody(body: Buffer): string {
  return body.length > 200
    ? `${clip(body.toString('utf8'), 120)} (${body.length} bytes)`
    : body.toString('utf8');
}
