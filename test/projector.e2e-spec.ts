import { randomUUID } from 'node:crypto';
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
import { startInvitations } from '../apps/invitations/start-invitations';
import { startProjector } from '../apps/projector/start-projector';

type Body = Record<string, unknown> & { items?: Array<Record<string, unknown>> };

/** The invitation service and the projector on one set of embedded adapters. */
describe('projector and query API (e2e)', () => {
  let tokens: TestTokens;
  let infra: TestInfrastructure;
  let invitations: RunningService;
  let projector: RunningService;
  const vendor = testUser('vendor');
  const customer = testUser('customer', { email: `ann-${randomUUID().slice(0, 8)}@example.com` });

  beforeAll(async () => {
    tokens = await createTestTokens();
    infra = await createTestInfrastructure({ jwtVerifier: tokens.verifier });
    invitations = await startInvitations(infra, 0, { consumerName: `e2e-${randomUUID()}` });
    projector = await startProjector(infra, 0);
  });
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
  ) => {
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

  describe('when a vendor sends an invitation and the customer accepts it', () => {
    it('reads each write back from the query API at once with X-Min-Position', async () => {
      const sent = await call(invitations, 'POST', '/invitations', vendor, {
        body: { email: customer.email, firstName: 'Ann', lastName: 'Lee', customerNumber: 'C-42' },
      });
      expect(sent.status).toBe(201);
      expect(sent.position).toMatch(/^\d+$/);
      const invitationId = sent.body.invitationId as string;

      const listed = await call(
        projector,
        'GET',
        `/vendors/${vendor.companyId}/invitations`,
        vendor,
        { minPosition: sent.position },
      );
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          invitationId,
          status: 'pending',
          email: customer.email,
          customerNumber: 'C-42',
          expiresAt: sent.body.expiresAt,
        }),
      ]);

      const token = new URL(sent.body.acceptUrl as string).searchParams.get('token');
      const accepted = await call(
        invitations,
        'POST',
        `/invitations/${invitationId}/accept`,
        customer,
        { body: { token } },
      );
      expect(accepted.status).toBe(200);

      const customers = await call(
        projector,
        'GET',
        `/vendors/${vendor.companyId}/customers`,
        vendor,
        { minPosition: accepted.position },
      );
      expect(customers.body).toEqual({
        items: [
          expect.objectContaining({
            customerCompanyId: customer.companyId,
            status: 'active',
            invitationId,
            customerNumber: 'C-42',
          }),
        ],
        nextCursor: null,
      });
      const vendors = await call(
        projector,
        'GET',
        `/customers/${customer.companyId}/vendors`,
        customer,
        { minPosition: accepted.position },
      );
      expect(vendors.body.items).toEqual([expect.objectContaining({ vendorId: vendor.companyId })]);
      const byStatus = await call(
        projector,
        'GET',
        `/vendors/${vendor.companyId}/invitations?status=accepted`,
        vendor,
      );
      expect(byStatus.body.items).toEqual([
        expect.objectContaining({ invitationId, customerCompanyId: customer.companyId }),
      ]);

      const projections = await call(projector, 'GET', '/projections', vendor);
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
});
