import type { RunningService } from '../../../libs/platform/infrastructure/run-services';
import {
  createTestInfrastructure,
  type TestInfrastructure,
} from '../../../libs/testing/test-infrastructure';
import {
  createTestTokens,
  testUser,
  type TestTokens,
  type TestUser,
} from '../../../libs/testing/test-tokens';
import { waitFor } from '../../../libs/testing/wait-for';
import type { ProjectionStatus } from '../projector/projection-status';
import { startProjector } from '../start-projector';
import { appendTo, events } from '../testing/invitation-events';

/** A page, or a problem document. */
interface ListBody {
  items: Array<{ invitationId: string; vendorId: string } & Record<string, unknown>>;
  nextCursor: string | null;
  code?: string;
  [problemMember: string]: unknown;
}

describe('query API', () => {
  let tokens: TestTokens;
  let infra: TestInfrastructure;
  let service: RunningService;
  const vendor = testUser('vendor');
  const otherVendor = testUser('vendor');
  const customer = testUser('customer');
  let head = 0n;

  beforeAll(async () => {
    tokens = await createTestTokens();
    infra = await createTestInfrastructure({ jwtVerifier: tokens.verifier });
    service = await startProjector(infra, 0, {
      leaseTtlMs: 1000,
      readYourWrites: { timeoutMs: 400 },
    });
    for (let i = 0; i < 25; i++) {
      const id = `inv-${String(i).padStart(2, '0')}`;
      const email = i === 3 ? 'Ann.Other@Example.com' : `c${i}@example.com`;
      await appendTo(
        infra.eventStore,
        id,
        events.sent(id, { vendorId: vendor.companyId, email, customerNumber: `N-${i}` }, i),
      );
    }
    await appendTo(infra.eventStore, 'inv-04', events.accepted('inv-04', customer.companyId, 100));
    await appendTo(infra.eventStore, 'inv-05', events.cancelled('inv-05', 101));
    await appendTo(
      infra.eventStore,
      'other',
      events.sent('other', { vendorId: otherVendor.companyId }, 102),
    );
    const last = await appendTo(
      infra.eventStore,
      'other',
      events.accepted('other', customer.companyId, 103),
    );
    head = last.position;
    // Caught up before the first query, whose wait is kept short for the lagging case below.
    await waitFor(
      async () => {
        const versions = await infra.readModels.readModels.projectionStates();
        return versions.length === 2 && versions.every((v) => v.position >= head);
      },
      { timeoutMs: 10_000, message: 'projections at the head' },
    );
  });
  afterAll(async () => {
    await service.close();
    await infra.close();
  });

  const get = async <T = ListBody>(
    path: string,
    as?: TestUser,
    headers: Record<string, string> = {},
  ) => {
    const auth: Record<string, string> = as
      ? { authorization: `Bearer ${await tokens.mint(as)}` }
      : {};
    const res = await fetch(`${service.url}${path}`, {
      headers: { ...auth, 'x-min-position': head.toString(), ...headers },
    });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as T,
    };
  };
  const invitations = (query = '', as = vendor) =>
    get(`/vendors/${vendor.companyId}/invitations${query}`, as);

  describe('when a vendor lists its invitations', () => {
    it('pages newest first, 20 by default, with a cursor that visits each once', async () => {
      const first = await invitations();
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(20);
      expect(first.body.items[0]).toEqual({
        invitationId: 'inv-24',
        vendorId: vendor.companyId,
        email: 'c24@example.com',
        firstName: 'Ann',
        lastName: 'Lee',
        businessName: null,
        customerNumber: 'N-24',
        status: 'pending',
        sentAt: events.at(24),
        expiresAt: events.at(3600),
        acceptedAt: null,
        cancelledAt: null,
        expiredAt: null,
        customerCompanyId: null,
      });
      const second = await invitations(`?cursor=${first.body.nextCursor}`);
      expect(second.body.nextCursor).toBeNull();
      const ids = [...first.body.items, ...second.body.items].map((i) => i.invitationId);
      expect(ids).toEqual(
        Array.from({ length: 25 }, (_, i) => `inv-${String(24 - i).padStart(2, '0')}`),
      );
      const small = await invitations('?limit=2');
      expect(small.body.items.map((i) => i.invitationId)).toEqual(['inv-24', 'inv-23']);
    });

    it('filters by status and by email, case-insensitively', async () => {
      const accepted = await invitations('?status=accepted');
      expect(accepted.body.items).toEqual([
        expect.objectContaining({
          invitationId: 'inv-04',
          status: 'accepted',
          acceptedAt: events.at(100),
          customerCompanyId: customer.companyId,
        }),
      ]);
      const cancelled = await invitations('?status=cancelled');
      expect(cancelled.body.items).toEqual([
        expect.objectContaining({ invitationId: 'inv-05', cancelledAt: events.at(101) }),
      ]);
      const byEmail = await invitations('?email=ANN.other%40example.COM');
      expect(byEmail.body.items.map((i) => i.invitationId)).toEqual(['inv-03']);
    });
  });

  describe('when the query is malformed', () => {
    it.each([
      ['?limit=0', 'validation_failed'],
      ['?limit=101', 'validation_failed'],
      ['?limit=ten', 'validation_failed'],
      ['?status=open', 'validation_failed'],
      ['?sort=asc', 'validation_failed'],
      ['?cursor=bm90LWEtY3Vyc29y', 'invalid_cursor'],
      ['?cursor=%24%24', 'validation_failed'],
      ['?email=', 'validation_failed'],
      ['?email=%20', 'validation_failed'],
    ])('answers 400 for %s', async (query, code) => {
      const res = await invitations(query);
      expect(res.status).toBe(400);
      expect(res.type).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, code, errors: expect.any(Array) });
    });

    it('refuses a limit that is not plain decimal digits, naming it', async () => {
      for (const limit of ['0x10', '1e1', '%20%205', '5.0']) {
        const res = await invitations(`?limit=${limit}`);
        expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
        const errors = res.body.errors as Array<{ field: string }>;
        expect([...new Set(errors.map((e) => e.field))]).toEqual(['limit']);
      }
    });

    it('refuses a cursor of another company or other filters', async () => {
      const first = await invitations('?limit=1');
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const filtered = await invitations(`?status=pending&cursor=${first.body.nextCursor}`);
      expect([filtered.status, filtered.body.code]).toEqual([400, 'invalid_cursor']);
      const other = testUser('vendor');
      const theirs = `/vendors/${other.companyId}/invitations?cursor=${first.body.nextCursor}`;
      expect((await get(theirs, other)).body.code).toBe('invalid_cursor');
      expect((await invitations(`?limit=5&cursor=${first.body.nextCursor}`)).status).toBe(200);
    });

    it('refuses a cursor of another list', async () => {
      const vendors = await get(`/customers/${customer.companyId}/vendors?limit=1`, customer);
      expect(vendors.body.nextCursor).toEqual(expect.any(String));
      const res = await invitations(`?cursor=${vendors.body.nextCursor}`);
      expect(res.body.code).toBe('invalid_cursor');
      // A customer's vendors and a vendor's customers page by other companies' ids.
      const customers = `/vendors/${vendor.companyId}/customers?cursor=${vendors.body.nextCursor}`;
      expect((await get(customers, vendor)).body.code).toBe('invalid_cursor');
    });
  });

  describe('when the caller may not read the list', () => {
    it('refuses no token, another company, and the wrong account type', async () => {
      const anonymous = await get(`/vendors/${vendor.companyId}/invitations`);
      expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthenticated']);
      const other = await invitations('', otherVendor);
      expect([other.status, other.body.code]).toEqual([403, 'forbidden_company']);
      const asCustomer = await invitations('', customer);
      expect([asCustomer.status, asCustomer.body.code]).toEqual([403, 'wrong_account_type']);
      const vendorsOfOther = await get(
        `/customers/${testUser('customer').companyId}/vendors`,
        customer,
      );
      expect([vendorsOfOther.status, vendorsOfOther.body.code]).toEqual([403, 'forbidden_company']);
    });
  });

  describe('when the company id in the path is in upper case', () => {
    it('serves the same lists, as the invitations service reads its ids in any case', async () => {
      const upper = await get(`/vendors/${vendor.companyId.toUpperCase()}/invitations`, vendor);
      expect(upper.status).toBe(200);
      expect(upper.body).toEqual((await invitations()).body);
      const customersOf = (id: string) => get(`/vendors/${id}/customers`, vendor);
      const customers = await customersOf(vendor.companyId.toUpperCase());
      expect(customers.status).toBe(200);
      expect(customers.body).toEqual((await customersOf(vendor.companyId)).body);
      const vendorsOf = (id: string) => get(`/customers/${id}/vendors`, customer);
      const vendors = await vendorsOf(customer.companyId.toUpperCase());
      expect(vendors.status).toBe(200);
      expect(vendors.body).toEqual((await vendorsOf(customer.companyId)).body);
    });
  });

  describe('when invitations were accepted', () => {
    it('lists the relationship to the vendor and to the customer, with status filter', async () => {
      const customers = await get(`/vendors/${vendor.companyId}/customers`, vendor);
      expect(customers.body).toEqual({
        items: [
          {
            vendorId: vendor.companyId,
            customerCompanyId: customer.companyId,
            status: 'active',
            createdAt: events.at(100),
            activatedAt: events.at(100),
            invitationId: 'inv-04',
            customerNumber: 'N-4',
          },
        ],
        nextCursor: null,
      });
      expect(
        (await get(`/vendors/${vendor.companyId}/customers?status=inactive`, vendor)).body.items,
      ).toEqual([]);
      const vendors = await get(`/customers/${customer.companyId}/vendors`, customer);
      expect(vendors.body.items.map((r) => r.vendorId)).toEqual([
        otherVendor.companyId,
        vendor.companyId,
      ]);
    });
  });

  describe('when relationship lists take more than one page', () => {
    it('follows nextCursor through each company once, for a vendor’s customers and a customer’s vendors', async () => {
      const pagingVendor = testUser('vendor');
      const secondVendor = testUser('vendor');
      const [first, second] = [testUser('customer'), testUser('customer')];
      const accepted = async (id: string, v: TestUser, c: TestUser, at: number) => {
        await appendTo(infra.eventStore, id, events.sent(id, { vendorId: v.companyId }, at));
        return appendTo(infra.eventStore, id, events.accepted(id, c.companyId, at + 1));
      };
      await accepted('paging-1', pagingVendor, first, 200);
      await accepted('paging-2', pagingVendor, second, 202);
      const { position } = await accepted('paging-3', secondVendor, first, 204);
      await waitFor(
        async () =>
          (await infra.readModels.readModels.projectionStates()).every(
            (v) => v.position >= position,
          ),
        { timeoutMs: 10_000, message: 'projections at the relationships' },
      );
      const pages = async (path: string, as: TestUser, field: string) => {
        const seen: string[][] = [];
        let cursor: string | null = '';
        for (let i = 0; cursor !== null && i < 5; i++) {
          const query: string = cursor ? `&cursor=${cursor}` : '';
          const res = await get(`${path}?limit=1${query}`, as, {
            'x-min-position': position.toString(),
          });
          expect(res.status).toBe(200);
          seen.push(res.body.items.map((r) => r[field] as string));
          cursor = res.body.nextCursor;
        }
        return seen;
      };
      const customers = await pages(
        `/vendors/${pagingVendor.companyId}/customers`,
        pagingVendor,
        'customerCompanyId',
      );
      expect(customers.slice(0, 2).flat().sort()).toEqual(
        [first.companyId, second.companyId].sort(),
      );
      expect(customers.slice(2).flat()).toEqual([]);
      const vendors = await pages(`/customers/${first.companyId}/vendors`, first, 'vendorId');
      expect(vendors.slice(0, 2).flat().sort()).toEqual(
        [pagingVendor.companyId, secondVendor.companyId].sort(),
      );
      expect(vendors.slice(2).flat()).toEqual([]);
    });
  });

  describe('when a query names a position', () => {
    afterEach(() => jest.restoreAllMocks());

    it('waits for the projection to reach a fresh write and then shows it', async () => {
      const { position } = await appendTo(
        infra.eventStore,
        'inv-06',
        events.expired('inv-06', 200),
      );
      const res = await get(`/vendors/${vendor.companyId}/invitations?status=expired`, vendor, {
        'x-min-position': position.toString(),
      });
      expect(res.body.items.map((i) => i.invitationId)).toEqual(['inv-06']);
    });

    it('answers 503 projection_lagging when the position is not reached in time', async () => {
      // The store has moved on to positions the projection has not reached.
      jest.spyOn(infra.eventStore, 'headPosition').mockResolvedValue(head + 2000n);
      const started = Date.now();
      const res = await invitations('', vendor).then(() =>
        get(`/vendors/${vendor.companyId}/invitations`, vendor, {
          'x-min-position': (head + 1000n).toString(),
        }),
      );
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        code: 'projection_lagging',
        minPosition: (head + 1000n).toString(),
        retryAfterSeconds: 1,
      });
      expect(res.retryAfter).toBe('1');
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    });

    it('answers 400 for a position past the last event of the store, once the wait is over', async () => {
      const res = await get(`/vendors/${vendor.companyId}/invitations`, vendor, {
        'x-min-position': (head + 1000n).toString(),
      });
      expect([res.status, res.body.code]).toEqual([400, 'invalid_min_position']);
      expect(res.body.detail).toContain(`(${await infra.eventStore.headPosition()})`);
    });

    it('answers 400 for a position that is not a number', async () => {
      const res = await get(`/vendors/${vendor.companyId}/invitations`, vendor, {
        'x-min-position': '-1',
      });
      expect([res.status, res.body.code]).toEqual([400, 'invalid_min_position']);
    });

    it('answers 400 for a position no store can reach, rather than 503 to retry for ever', async () => {
      for (const tooFar of ['9223372036854775808', '18446744073709551615']) {
        const res = await get(`/vendors/${vendor.companyId}/invitations`, vendor, {
          'x-min-position': tooFar,
        });
        expect([res.status, res.body.code]).toEqual([400, 'invalid_min_position']);
      }
    });
  });

  describe('when the read models cannot be reached', () => {
    afterEach(() => jest.restoreAllMocks());

    it('answers 503 read_models_unavailable with Retry-After, the cause kept out', async () => {
      const queries = infra.readModels.readModels;
      jest.spyOn(queries, 'listInvitations').mockRejectedValue(new Error('database is locked'));
      const res = await invitations();
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'read_models_unavailable', status: 503 });
      expect(res.retryAfter).toBe('1');
      expect(JSON.stringify(res.body)).not.toContain('locked');
    });

    it('answers /projections 503 event_store_unavailable when the event store fails', async () => {
      jest.spyOn(infra.eventStore, 'headPosition').mockRejectedValue(new Error('disk gone'));
      const res = await get<{ code: string }>('/projections', vendor);
      expect([res.status, res.body.code]).toEqual([503, 'event_store_unavailable']);
    });
  });

  describe('when asked how the projections stand', () => {
    it('reports position, lag, last event time and status of each', async () => {
      const res = await get<ProjectionStatus[]>('/projections', vendor);
      expect(res.status).toBe(200);
      expect(res.body.map((p) => p.name)).toEqual(['invitations', 'customer-relationships']);
      expect(res.body[0]).toMatchObject({
        position: expect.stringMatching(/^\d+$/),
        lag: expect.any(Number),
        status: expect.any(String),
        version: 1,
        parkedEvents: 0,
        rebuilding: null,
      });
      expect(res.body[0].lastEventAt).toEqual(expect.any(String));
    });

    it('refuses a query parameter with 400 validation_failed naming it', async () => {
      const res = await get<{ code: string; errors: unknown[] }>(
        '/projections?name=invitations',
        vendor,
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'validation_failed',
        errors: [{ field: 'name', message: 'property name should not exist' }],
      });
    });

    it('documents its routes at /docs, with the 503s each can answer', async () => {
      type Doc = {
        paths: Record<string, { get: { responses: Record<string, object>; parameters: object[] } }>;
      };
      const doc = (await (await fetch(`${service.url}/docs-json`)).json()) as Doc;
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/vendors/{vendorId}/invitations',
          '/vendors/{vendorId}/customers',
          '/customers/{customerCompanyId}/vendors',
          '/projections',
        ]),
      );
      const unavailable = (path: string) => JSON.stringify(doc.paths[path].get.responses['503']);
      expect(unavailable('/vendors/{vendorId}/invitations')).toMatch(
        /projection_lagging.*read_models_unavailable/,
      );
      expect(unavailable('/projections')).toMatch(
        /read_models_unavailable.*event_store_unavailable/,
      );
      expect(doc.paths['/projections'].get.parameters).toEqual([]);
    });

    it('is alive and ready', async () => {
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
      expect((await fetch(`${service.url}/ready`)).status).toBe(200);
    });
  });
});
