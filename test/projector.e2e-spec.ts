import { randomUUID } from 'node:crypto';
import { IntegrationEventTypes, type CloudEvent } from '../libs/contracts';
import type { CheckpointStore, LeaseStore } from '../libs/read-store/coordination.port';
import type { ReadModelConnection } from '../libs/platform/infrastructure/read-model-connection';
import type { RunningService } from '../libs/platform/infrastructure/run-services';
import {
  createTestInfrastructure,
  type TestInfrastructure,
} from '../libs/testing/test-infrastructure';
import {
  createTestTokens,
  testUser,
  type TestTokens,
  type TestUser,
} from '../libs/testing/test-tokens';
import { waitFor } from '../libs/testing/wait-for';
import { startInvitations } from '../apps/invitations/start-invitations';
import { projectorLeaseName } from '../apps/projector/projector/projector';
import { PROJECTIONS } from '../apps/projector/projector/projections';
import { startProjector } from '../apps/projector/start-projector';

type Body = Record<string, unknown> & { items?: Array<Record<string, unknown>> };
type Reply = { status: number; body: Body; position?: string };

/** The projector's workers poll their leases every half TTL while they are refused. */
const LEASE_TTL_MS = 1000;

/**
 * The read-model connection with the projector's leases under the test's
 * control. While held, each projector worker is refused its lease at its next
 * poll, as when another instance holds it, and stops projecting; released, it
 * takes the lease again and catches up from its checkpoint. Every other lease
 * and every checkpoint passes straight through.
 */
function holdableProjectorLeases(connection: ReadModelConnection) {
  const inner = connection.coordination;
  const names = PROJECTIONS.map((p) => projectorLeaseName(p.name));
  const refusals = new Map<string, number>();
  let held = false;
  const coordination: CheckpointStore & LeaseStore = {
    load: (name) => inner.load(name),
    save: (name, position, expectedVersion) => inner.save(name, position, expectedVersion),
    async tryAcquire(name, owner, ttlMs) {
      if (held && names.includes(name)) {
        refusals.set(name, (refusals.get(name) ?? 0) + 1);
        return false;
      }
      return inner.tryAcquire(name, owner, ttlMs);
    },
    release: (name, owner) => inner.release(name, owner),
  };
  const refusedSince = (from: ReadonlyMap<string, number>) =>
    Math.min(...names.map((n) => (refusals.get(n) ?? 0) - (from.get(n) ?? 0)));
  return {
    connection: { ...connection, coordination } as ReadModelConnection,
    /** Resolves once every worker has been refused its lease, and so has stopped. */
    async hold() {
      held = true;
      const from = new Map(refusals);
      await waitFor(() => refusedSince(from) >= 1, {
        message: 'every projector worker to be refused its lease',
      });
    },
    /**
     * Resolves once every worker has polled for its lease `polls` more times
     * and been refused, or sooner once `answered()` holds.
     */
    async stillHeldAfter(polls: number, answered: () => boolean) {
      const from = new Map(refusals);
      await waitFor(() => answered() || refusedSince(from) >= polls, {
        message: `every projector worker to be refused its lease ${polls} more times`,
      });
    },
    release() {
      held = false;
    },
  };
}

/** Queries in flight, noting which have answered. */
function inFlight<K extends string>(queries: Record<K, Promise<Reply>>) {
  const answered = new Set<string>();
  for (const [name, query] of Object.entries<Promise<Reply>>(queries)) {
    query.then(
      () => answered.add(name),
      () => answered.add(name),
    );
  }
  return {
    answered: () => [...answered].sort(),
    anyAnswered: () => answered.size > 0,
    replies: async () => {
      const entries = Object.entries<Promise<Reply>>(queries);
      const replies = await Promise.all(entries.map(([, q]) => q));
      return Object.fromEntries(entries.map(([name], i) => [name, replies[i]])) as Record<K, Reply>;
    },
  };
}

/** The invitation service and the projector on one set of embedded adapters. */
describe('projector and query API (e2e)', () => {
  let tokens: TestTokens;
  let infra: TestInfrastructure;
  let invitations: RunningService;
  let projector: RunningService;
  let leases: ReturnType<typeof holdableProjectorLeases>;

  beforeAll(async () => {
    tokens = await createTestTokens();
    infra = await createTestInfrastructure({ jwtVerifier: tokens.verifier });
    invitations = await startInvitations(infra, 0, { consumerName: `e2e-${randomUUID()}` });
    leases = holdableProjectorLeases(infra.readModels);
    projector = await startProjector({ ...infra, readModels: leases.connection }, 0, {
      leaseTtlMs: LEASE_TTL_MS,
    });
  });
  afterEach(() => leases?.release());
  afterAll(async () => {
    await projector?.close();
    await invitations?.close();
    await infra?.close();
  });

  const call = async (
    base: RunningService,
    method: string,
    path: string,
    as: TestUser,
    options: { body?: unknown; minPosition?: string } = {},
  ): Promise<Reply> => {
    const headers: Record<string, string> = { authorization: `Bearer ${await tokens.mint(as)}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.minPosition) headers['x-min-position'] = options.minPosition;
    const res = await fetch(`${base.url}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return {
      status: res.status,
      body: (await res.json()) as Body,
      position: res.headers.get('x-event-position') ?? undefined,
    };
  };

  const newParties = () => ({
    vendor: testUser('vendor'),
    customer: testUser('customer', { email: `ann-${randomUUID().slice(0, 8)}@example.com` }),
  });
  const send = async (vendor: TestUser, customer: TestUser) => {
    const sent = await call(invitations, 'POST', '/invitations', vendor, {
      body: { email: customer.email, firstName: 'Ann', lastName: 'Lee', customerNumber: 'C-42' },
    });
    expect(sent.status).toBe(201);
    expect(sent.position).toMatch(/^\d+$/);
    const token = new URL(sent.body.acceptUrl as string).searchParams.get('token');
    return { sent, invitationId: sent.body.invitationId as string, token };
  };

  /** Projections whose active version has reached `min`: none while the projector is held behind it. */
  const reached = async (min: string) =>
    (await infra.readModels.readModels.projectionStates())
      .filter((s) => s.state === 'active' && s.position >= BigInt(min))
      .map((s) => s.projection);

  /**
   * The relationship both ways and the accepted invitation, each asked for
   * with `X-Min-Position` while the projector is held behind that position:
   * none may answer until the projector is released and catches up.
   */
  const readAcceptanceBack = async (
    parties: { vendor: TestUser; customer: TestUser },
    invitationId: string,
    minPosition: string,
  ) => {
    const { vendor, customer } = parties;
    const queries = inFlight({
      customers: call(projector, 'GET', `/vendors/${vendor.companyId}/customers`, vendor, {
        minPosition,
      }),
      vendors: call(projector, 'GET', `/customers/${customer.companyId}/vendors`, customer, {
        minPosition,
      }),
      accepted: call(
        projector,
        'GET',
        `/vendors/${vendor.companyId}/invitations?status=accepted`,
        vendor,
        { minPosition },
      ),
    });
    await leases.stillHeldAfter(2, queries.anyAnswered);
    expect(queries.answered()).toEqual([]);
    expect(await reached(minPosition)).toEqual([]);

    leases.release();
    const { customers, vendors, accepted } = await queries.replies();
    expect(customers).toMatchObject({
      status: 200,
      body: {
        items: [
          expect.objectContaining({
            customerCompanyId: customer.companyId,
            status: 'active',
            invitationId,
            customerNumber: 'C-42',
          }),
        ],
        nextCursor: null,
      },
    });
    expect(vendors).toMatchObject({
      status: 200,
      body: { items: [expect.objectContaining({ vendorId: vendor.companyId, invitationId })] },
    });
    expect(accepted).toMatchObject({
      status: 200,
      body: {
        items: [
          expect.objectContaining({
            invitationId,
            status: 'accepted',
            customerCompanyId: customer.companyId,
          }),
        ],
        nextCursor: null,
      },
    });
  };

  describe('when the projector is held back behind a sent invitation', () => {
    it('answers the invitation list with X-Min-Position only once the projector has the invitation', async () => {
      const { vendor, customer } = newParties();
      await leases.hold();
      const { sent, invitationId } = await send(vendor, customer);

      const queries = inFlight({
        invitations: call(projector, 'GET', `/vendors/${vendor.companyId}/invitations`, vendor, {
          minPosition: sent.position,
        }),
      });
      await leases.stillHeldAfter(2, queries.anyAnswered);
      expect(queries.answered()).toEqual([]);
      expect(await reached(sent.position as string)).toEqual([]);

      leases.release();
      const { invitations: listed } = await queries.replies();
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          invitationId,
          status: 'pending',
          email: customer.email,
          customerNumber: 'C-42',
          expiresAt: sent.body.expiresAt,
        }),
      ]);
    });
  });

  describe('when the projector is held back behind the customer accepting', () => {
    it('answers the customers, the vendors and the accepted invitations with X-Min-Position only once the projector has the acceptance', async () => {
      const parties = newParties();
      const { invitationId, token } = await send(parties.vendor, parties.customer);
      await leases.hold();
      const accepted = await call(
        invitations,
        'POST',
        `/invitations/${invitationId}/accept`,
        parties.customer,
        { body: { token } },
      );
      expect(accepted.status).toBe(200);
      expect(accepted.position).toMatch(/^\d+$/);

      await readAcceptanceBack(parties, invitationId, accepted.position as string);

      const projections = await call(projector, 'GET', '/projections', parties.vendor);
      expect(projections.body).toEqual([
        expect.objectContaining({ name: 'invitations', version: 1, parkedEvents: 0 }),
        expect.objectContaining({
          name: 'customer-relationships',
          lag: 0,
          status: 'live',
          parkedEvents: 0,
        }),
      ]);
    });
  });

  describe('when the acceptance waited for the customer to verify their email', () => {
    it('answers the customers, the vendors and the accepted invitations with X-Min-Position of the recorded acceptance only once the projector has it', async () => {
      const parties = {
        ...newParties(),
        customer: testUser('customer', {
          email: `ann-${randomUUID().slice(0, 8)}@example.com`,
          emailVerified: false,
        }),
      };
      const { invitationId, token } = await send(parties.vendor, parties.customer);
      const deferred = await call(
        invitations,
        'POST',
        `/invitations/${invitationId}/accept`,
        parties.customer,
        { body: { token } },
      );
      expect(deferred.status).toBe(202);

      await leases.hold();
      const verifiedAt = new Date().toISOString();
      const emailVerified: CloudEvent = {
        specversion: '1.0',
        id: randomUUID(),
        source: '/identity',
        type: IntegrationEventTypes.emailVerified,
        time: verifiedAt,
        datacontenttype: 'application/json',
        subject: parties.customer.userId,
        data: { userId: parties.customer.userId, email: parties.customer.email, verifiedAt },
      };
      await infra.broker.publish([emailVerified]);
      // No command answers with this position: the invitation service records it on the event.
      const recorded = await waitFor(
        async () =>
          (await infra.eventStore.readStream(`invitation-${invitationId}`)).find(
            (e) => e.type === 'InvitationAccepted',
          ),
        { message: 'InvitationAccepted' },
      );

      await readAcceptanceBack(parties, invitationId, recorded.position.toString());
    });
  });

  describe('when /metrics is scraped', () => {
    it('shows how far each projection and the invitations forwarder trail the event store', async () => {
      const text = await (await fetch(`${projector.url}/metrics`)).text();
      for (const worker of ['projector:invitations', 'projector:customer-relationships']) {
        expect(text).toMatch(
          new RegExp(`^subscription_lag_events\\{worker="${worker}"\\} \\d+$`, 'm'),
        );
      }
      expect(text).toMatch(/^subscription_lag_events\{worker="invitations-forwarder"\} \d+$/m);
    });
  });
});
