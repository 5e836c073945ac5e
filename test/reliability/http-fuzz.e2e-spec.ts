import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { customerVerificationStream } from '../../apps/invitations/customer-verification/customer-verification.decider';
import { signUp } from '../../libs/testing/identity-test-client';
import { waitFor } from '../../libs/testing/wait-for';
import { count, printFigures } from './support/figures';
import {
  clip,
  describeRequest,
  forgeTokens,
  fuzzRoutes,
  ROUTES,
  toRaw,
  type FuzzContext,
  type Fuzzed,
  type Service,
} from './support/http-fuzz-routes';
import { startInProcessServices, type InProcessServices } from './support/in-process-services';
import { send, type RawResponse } from './support/raw-http';

/** Runs per route; FUZZ_RUNS raises it for a longer hunt, FUZZ_SEED replays a reported run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

const seen = {
  inputs: 0,
  statuses: new Map<number, number>(),
  /** Answers with a 5xx other than the contracted 503 projection_lagging. */
  serverErrors: 0,
  /** Error answers that are not problem+json with a `code` and their own `status`. */
  notProblems: 0,
  /** Answers whose status the route's OpenAPI document does not list. */
  undocumented: 0,
  /** Refusals and reads after which the event store head had moved. */
  recordedByRefusal: 0,
  accepted: 0,
  /** Per failing route, its last (after shrinking: smallest) counterexample. */
  failures: new Map<string, string>(),
  perRoute: new Map<string, number>(),
};

/**
 * Every route of identity, invitations and the query API, fed random bodies,
 * path ids, query strings and headers: never a 5xx (but the contracted 503
 * `projection_lagging` for a position beyond the head), every error a
 * problem+json document with a `code`, and nothing recorded by a refusal or a
 * read.
 */
describe('every HTTP route under property-based fuzzing (e2e)', () => {
  let s: InProcessServices;
  let ctx: FuzzContext;

  beforeAll(async () => {
    s = await startInProcessServices({
      env: { LOG_LEVEL: 'silent' },
      projector: { readYourWrites: { timeoutMs: 50 } },
    });
    let usedVerificationToken = '';
    const verified = async (email: string) => {
      usedVerificationToken = await s.verificationToken(email);
      return usedVerificationToken;
    };
    const vendor = await signUp(s.identity.url, {
      accountType: 'vendor',
      readVerificationToken: verified,
    });
    const customer = await signUp(s.identity.url, {
      accountType: 'customer',
      readVerificationToken: verified,
    });
    const otherVendor = await signUp(s.identity.url, { accountType: 'vendor' });
    const invitation = {} as FuzzContext['invitation'];
    let acceptToken = '';
    for (const name of ['get', 'resend', 'cancel', 'accept'] as const) {
      const email = name === 'accept' ? customer.email : `${name}-${randomUUID()}@example.com`;
      const res = await fetch(`${s.invitations.url}/invitations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${vendor.accessToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ email, firstName: 'Ann', lastName: 'Lee' }),
      });
      const body = (await res.json()) as { invitationId: string; acceptUrl: string };
      invitation[name] = body.invitationId;
      if (name === 'accept') acceptToken = new URL(body.acceptUrl).searchParams.get('token')!;
    }
    // The verifications reach invitations through the bus; let them land before measuring.
    await waitFor(async () => {
      const streams = [vendor, customer].map((u) => customerVerificationStream(u.userId));
      const read = await Promise.all(streams.map((x) => s.infra.eventStore.readStream(x)));
      return read.every((events) => events.length > 0);
    });
    const jwks = await (await fetch(`${s.identity.url}/.well-known/jwks.json`)).text();
    const forged = await forgeTokens(vendor, customer, jwks);
    ctx = { vendor, customer, otherVendor, usedVerificationToken, invitation, acceptToken, forged };
    for (const service of ['identity', 'invitations', 'query'] as const) {
      documents[service] = (await (await fetch(`${baseOf(service)}/docs-json`)).json()) as OpenApi;
    }
  }, 60_000);

  afterAll(async () => {
    await s?.close();
    printFigures(
      'http fuzz',
      [
        `${count(seen.inputs)} inputs tried on ${seen.perRoute.size} routes`,
        `${count(seen.serverErrors)} 5xx`,
        `${count(seen.notProblems)} errors not problem+json with a code`,
        `${count(seen.undocumented)} answers their OpenAPI document does not list`,
        `${count(seen.recordedByRefusal)} refusals that recorded`,
        `${count(seen.accepted)} valid commands recorded`,
        `${count(seen.failures.size)} routes failing`,
      ],
      [
        `statuses: ${[...seen.statuses]
          .sort(([a], [b]) => a - b)
          .map(([st, n]) => `${st}×${count(n)}`)
          .join(' ')} (503s: projection_lagging for a position beyond the head, as contracted)`,
        ...[...seen.failures.values()],
      ],
    );
  });

  const baseOf = (service: Service) =>
    ({ identity: s.identity.url, invitations: s.invitations.url, query: s.projector!.url })[
      service
    ];

  /**
   * The routes that act for a token's holder: a forged token must never get through them.
   * A preview takes no bearer token (the link's token is its credential), so it answers whatever one says.
   */
  const TOKEN_ROUTES = /^(GET|POST) \/(invitations|vendors|customers)\b(?!.*\/preview$)/;

  type OpenApi = { paths: Record<string, Record<string, { responses: object }>> };
  const documents = {} as Record<Service, OpenApi>;

  /**
   * Whether the service's OpenAPI document lists `status` for `route` (`POST /invitations/:id/resend`).
   * A header block too large (431) is refused before any route is chosen, so no route lists it.
   */
  function documented(route: string, service: Service, status: number): boolean {
    const [method, path] = route.split(' ');
    const operation =
      documents[service].paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
    return !operation || status === 431 || String(status) in operation.responses;
  }

  /** Sends one fuzzed request and lists how its answer breaks the contract. */
  async function check(route: string, input: Fuzzed): Promise<string[]> {
    const { request } = toRaw(input);
    const before = await s.infra.eventStore.headPosition();
    const res: RawResponse = await send(baseOf(input.service), request);
    const after = await s.infra.eventStore.headPosition();
    seen.inputs += 1;
    seen.perRoute.set(route, (seen.perRoute.get(route) ?? 0) + 1);
    seen.statuses.set(res.status, (seen.statuses.get(res.status) ?? 0) + 1);

    const problems: string[] = [];
    const type = String(res.headers['content-type'] ?? '');
    let problem: { code?: unknown; status?: unknown } | undefined;
    if (res.status >= 400 && input.method !== 'HEAD') {
      try {
        problem = JSON.parse(res.body.toString('utf8')) as typeof problem;
      } catch {
        problems.push('error body is not JSON');
      }
      if (typeof problem?.code !== 'string' || !problem.code) problems.push('no problem code');
      else if (problem.status !== res.status)
        problems.push(`problem status ${String(problem.status)}`);
    }
    const lagging = res.status === 503 && problem?.code === 'projection_lagging';
    if (res.status >= 500 && !lagging) {
      seen.serverErrors += 1;
      problems.push(`status ${res.status}`);
    }
    if (res.status >= 400 && !type.startsWith('application/problem+json')) {
      problems.push(`content-type "${type}"`);
    }
    if (problems.some((p) => !p.startsWith('status'))) seen.notProblems += 1;
    // `not_found` is the answer of no route: a fuzzed id that is empty or holds a `/` leaves this one.
    const unrouted = problem?.code === 'not_found';
    if (input.method !== 'HEAD' && !unrouted && !documented(route, input.service, res.status)) {
      seen.undocumented += 1;
      problems.push(`status ${res.status} is not in the route's OpenAPI document`);
    }
    const bearer = input.headers.authorization?.replace(/^Bearer /, '');
    if (TOKEN_ROUTES.test(route) && res.status < 400 && bearer && ctx.forged.includes(bearer)) {
      problems.push('a forged token was accepted');
    }
    const recorded = after !== before;
    const write = res.status < 300 && input.method === 'POST';
    if (recorded && !write) {
      seen.recordedByRefusal += 1;
      problems.push(`recorded ${String(after - before)} event(s)`);
    }
    if (write && recorded) seen.accepted += 1;

    if (problems.length) {
      const answer = clip(res.body.toString('utf8'), 160);
      seen.failures.set(
        route,
        `${route}: ${describeRequest(request)} → ${res.status} ${answer} [${problems.join('; ')}]`,
      );
    }
    return problems;
  }

  describe.each(ROUTES)('when %s gets random input', (route) => {
    it('never answers 5xx, always problem+json with a code and a documented status, lets no forged token through, and records nothing unless accepted', async () => {
      const arbitrary = fuzzRoutes(ctx)[route]();
      await fc.assert(
        fc.asyncProperty(arbitrary, async (input) => {
          const problems = await check(route, input);
          if (problems.length) throw new Error(seen.failures.get(route));
        }),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
      );
    }, 120_000);
  });
});
