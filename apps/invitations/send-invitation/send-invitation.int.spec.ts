import { randomUUID } from 'node:crypto';
import type { SqliteRateLimits } from '../../../libs/read-store/sqlite/sqlite-rate-limits';
import { waitFor } from '../../../libs/testing/wait-for';
import { hashToken } from '../invitation/invitation-token';
import {
  startInvitationsTestApp,
  testUser,
  tokenOf,
  type InvitationsTestApp,
} from '../testing/invitations-test-app';

describe('POST /invitations', () => {
  let t: InvitationsTestApp;
  const vendor = testUser('vendor');

  beforeAll(async () => {
    t = await startInvitationsTestApp();
  });
  afterAll(() => t.close());

  describe('when a vendor invites a new email', () => {
    it('answers 201 with the accept link and records only the token hash', async () => {
      const reply = await t.call('POST', '/invitations', {
        as: vendor,
        body: {
          email: ' New.Customer@Example.COM ',
          firstName: 'Ann',
          lastName: 'Lee',
          customerNumber: 'C-1',
        },
      });
      expect(reply.status).toBe(201);
      const { invitationId, acceptUrl } = reply.body as Record<string, string>;
      expect(reply.body).toEqual({
        invitationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        status: 'pending',
        email: 'new.customer@example.com',
        expiresAt: expect.any(String),
        acceptUrl: expect.stringMatching(
          new RegExp(
            `^https://app\\.example\\.test/invitations/${invitationId}/accept\\?token=[\\w-]{43}$`,
          ),
        ),
      });
      const days = (Date.parse(reply.body.expiresAt as string) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(6.99);
      expect(days).toBeLessThanOrEqual(7);

      const [sent] = await t.infra.eventStore.readStream(`invitation-${invitationId}`);
      // The commit's last event (the slot claim), so a reader waiting for it sees the whole commit.
      const claim = sent.position + 1n;
      expect(reply.headers.get('x-event-position')).toBe(claim.toString());
      expect(sent.data).toMatchObject({
        vendorId: vendor.companyId,
        invitedBy: vendor.userId,
        email: 'new.customer@example.com',
        customerNumber: 'C-1',
        tokenHash: hashToken(tokenOf(acceptUrl)),
      });
      const everything = JSON.stringify(
        await t.infra.eventStore.readAll({ after: 0n, maxCount: 1000 }),
        (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
      );
      expect(everything).not.toContain(tokenOf(acceptUrl));
    });

    it('takes expiresInDays at both ends of 1 to 30 and sets expiresAt that many days out', async () => {
      for (const expiresInDays of [1, 30]) {
        const before = Date.now();
        const email = `expires-${expiresInDays}@example.com`;
        const { expiresAt } = await t.invite(vendor, { email, expiresInDays });
        const days = (Date.parse(expiresAt) - before) / 86_400_000;
        expect(days).toBeGreaterThanOrEqual(expiresInDays);
        expect(days).toBeLessThan(expiresInDays + 1 / 24);
      }
    });

    it('emails the accept link to the invited address', async () => {
      const { acceptUrl } = await t.invite(vendor, { email: 'mail@example.com', expiresInDays: 1 });
      const mail = await waitFor(() => t.infra.mails.find((m) => m.to === 'mail@example.com'));
      expect(mail.text).toContain(acceptUrl);
    });

    it('names the vendor’s company when its token carries the name, and says “a vendor” when not', async () => {
      const named = testUser('vendor', { companyName: 'Acme Supplies' });
      await t.invite(named, { email: 'named@example.com' });
      await t.invite(vendor, { email: 'unnamed@example.com' });
      const to = (email: string) => waitFor(() => t.infra.mails.find((m) => m.to === email));
      const mail = await to('named@example.com');
      expect(mail.subject).toBe('Acme Supplies invites you to connect');
      expect(mail.text).toContain('Acme Supplies invites you to connect your customer account');
      expect((await to('unnamed@example.com')).text).toContain('A vendor invites you');
    });
  });

  describe('when a pending invitation exists for the same vendor and email', () => {
    it('refuses with invitation_already_pending naming it, and records nothing', async () => {
      const first = await t.invite(vendor, { email: 'twice@example.com' });
      const head = await t.infra.eventStore.headPosition();
      const reply = await t.call('POST', '/invitations', {
        as: vendor,
        body: { email: 'TWICE@example.com', firstName: 'A', lastName: 'B' },
      });
      expect(reply.status).toBe(409);
      expect(reply.body).toMatchObject({
        code: 'invitation_already_pending',
        invitationId: first.invitationId,
      });
      expect(reply.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });

    it('takes an international domain in its other spelling as the same email', async () => {
      const first = await t.invite(vendor, { email: 'idn@b\u00fccher.example' });
      const reply = await t.call('POST', '/invitations', {
        as: vendor,
        body: { email: 'idn@xn--bcher-kva.example', firstName: 'A', lastName: 'B' },
      });
      expect(reply.status).toBe(409);
      expect(reply.body).toMatchObject({ invitationId: first.invitationId });
    });

    it('lets another vendor invite the same email', async () => {
      await t.invite(vendor, { email: 'shared@example.com' });
      await expect(
        t.invite(testUser('vendor'), { email: 'shared@example.com' }),
      ).resolves.toBeDefined();
    });

    it('lets the vendor invite again once the first is cancelled', async () => {
      const first = await t.invite(vendor, { email: 'again@example.com' });
      expect(
        (await t.call('POST', `/invitations/${first.invitationId}/cancel`, { as: vendor })).status,
      ).toBe(200);
      await expect(t.invite(vendor, { email: 'again@example.com' })).resolves.toBeDefined();
    });
  });

  describe('when two sends for the same email race', () => {
    it('creates one and refuses the other', async () => {
      const racer = testUser('vendor');
      const body = { email: 'race@example.com', firstName: 'R', lastName: 'C' };
      const replies = await Promise.all([
        t.call('POST', '/invitations', { as: racer, body }),
        t.call('POST', '/invitations', { as: racer, body }),
      ]);
      expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
      const created = replies.find((r) => r.status === 201)!.body;
      expect(replies.find((r) => r.status === 409)!.body).toMatchObject({
        code: 'invitation_already_pending',
        invitationId: created.invitationId,
      });
    });
  });

  describe('when the request is not acceptable', () => {
    it.each([
      [{ email: 'not-an-email', firstName: 'A', lastName: 'B' }, 'email'],
      [{ email: 'a@example.com', firstName: '', lastName: 'B' }, 'firstName'],
      [
        { email: 'a@example.com', firstName: 'A', lastName: 'B', expiresInDays: 0 },
        'expiresInDays',
      ],
      [
        { email: 'a@example.com', firstName: 'A', lastName: 'B', expiresInDays: 31 },
        'expiresInDays',
      ],
      [{ email: 'a@example.com', firstName: 'A', lastName: 'B', role: 'admin' }, 'role'],
      [{ email: 'a@exa\u00admple.com', firstName: 'A', lastName: 'B' }, 'email'],
      [{ email: 'a@example.com', firstName: 'A\r\nBcc: x', lastName: 'B' }, 'firstName'],
      [
        { email: 'a@example.com', firstName: 'A', lastName: 'B', businessName: 'C\tD' },
        'businessName',
      ],
    ])('refuses %j with validation_failed naming %s', async (body, field) => {
      const head = await t.infra.eventStore.headPosition();
      const reply = await t.call('POST', '/invitations', { as: vendor, body });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ code: 'validation_failed' });
      expect((reply.body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });

    it('refuses a customer with wrong_account_type', async () => {
      const reply = await t.call('POST', '/invitations', {
        as: testUser('customer'),
        body: { email: 'a@example.com', firstName: 'A', lastName: 'B' },
      });
      expect(reply.status).toBe(403);
      expect(reply.body.code).toBe('wrong_account_type');
    });

    it('refuses a caller without a token', async () => {
      const reply = await t.call('POST', '/invitations', { body: { email: 'a@example.com' } });
      expect(reply.status).toBe(401);
    });
  });
});

describe('POST /invitations rate limit', () => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsTestApp({ env: { INVITATIONS_RATE_LIMIT_PER_MINUTE: '2' } });
  });
  afterAll(() => t.close());

  describe('when a vendor company sends more than its limit in a minute', () => {
    it('refuses the rest with 429 rate_limited, counting resends too', async () => {
      const vendor = testUser('vendor');
      const { invitationId } = await t.invite(vendor, { email: 'one@example.com' });
      expect(
        (await t.call('POST', `/invitations/${invitationId}/resend`, { as: vendor })).status,
      ).toBe(200);
      const head = await t.infra.eventStore.headPosition();
      const reply = await t.call('POST', '/invitations', {
        as: vendor,
        body: { email: 'three@example.com', firstName: 'A', lastName: 'B' },
      });
      expect(reply.status).toBe(429);
      expect(reply.body).toMatchObject({ code: 'rate_limited', status: 429 });
      expect(Number(reply.headers.get('retry-after'))).toBe(reply.body.retryAfterSeconds);
      expect(
        (await t.call('POST', `/invitations/${invitationId}/resend`, { as: vendor })).status,
      ).toBe(429);
      expect(await t.infra.eventStore.headPosition()).toBe(head);
      await expect(
        t.invite(testUser('vendor'), { email: 'other@example.com' }),
      ).resolves.toBeDefined();
    });
  });

  describe('when sends and resends of a vendor company are refused', () => {
    it('does not count them, so its limit is left for invitations it can send', async () => {
      const vendor = testUser('vendor');
      const send = (email: string) =>
        t.call('POST', '/invitations', {
          as: vendor,
          body: { email, firstName: 'A', lastName: 'B' },
        });
      expect((await send('first@example.com')).status).toBe(201);
      for (let i = 0; i < 3; i += 1) {
        expect((await send('first@example.com')).body.code).toBe('invitation_already_pending');
        const unknown = `/invitations/${randomUUID()}/resend`;
        expect((await t.call('POST', unknown, { as: vendor })).status).toBe(404);
      }
      expect((await send('second@example.com')).status).toBe(201);
      expect((await send('third@example.com')).status).toBe(429);
    });
  });
});

describe('POST /invitations rate limit with two instances', () => {
  let first: InvitationsTestApp;
  let second: InvitationsTestApp;
  beforeAll(async () => {
    first = await startInvitationsTestApp({ env: { INVITATIONS_RATE_LIMIT_PER_MINUTE: '3' } });
    second = await startInvitationsTestApp({
      env: { INVITATIONS_RATE_LIMIT_PER_MINUTE: '3', DATA_DIR: first.infra.dir },
    });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  describe('when they share the data directory', () => {
    it('holds one limit per vendor company across both', async () => {
      const vendor = testUser('vendor');
      await first.invite(vendor, { email: 'one@example.com' });
      await second.invite(vendor, { email: 'two@example.com' });
      await first.invite(vendor, { email: 'three@example.com' });
      const body = { email: 'four@example.com', firstName: 'A', lastName: 'B' };
      for (const instance of [second, first]) {
        const reply = await instance.call('POST', '/invitations', { as: vendor, body });
        expect(reply.status).toBe(429);
        expect(reply.body).toMatchObject({ code: 'rate_limited' });
      }
    });
  });
});

/** Sends one invitation and checks it is refused with 503 `code`, nothing recorded or mailed. */
async function expectSendUnavailable(t: InvitationsTestApp, code: string) {
  const head = await t.infra.eventStore.headPosition();
  const reply = await t.call('POST', '/invitations', {
    as: testUser('vendor'),
    body: { email: 'one@example.com', firstName: 'A', lastName: 'B' },
  });
  expect(reply.status).toBe(503);
  expect(reply.body).toMatchObject({ code, status: 503 });
  expect(reply.headers.get('retry-after')).toBe('1');
  expect(await t.infra.eventStore.headPosition()).toBe(head);
  expect(t.infra.mails).toEqual([]);
  return reply;
}

describe('POST /invitations when the rate-limit counters cannot be reached', () => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsTestApp();
    (t.infra.readModels.rateLimits as SqliteRateLimits).close();
  });
  afterAll(() => t.close());

  it('answers 503 rate_limits_unavailable with Retry-After and records nothing', async () => {
    await expectSendUnavailable(t, 'rate_limits_unavailable');
  });
});

describe('the invitation routes when the event store fails', () => {
  let t: InvitationsTestApp;
  beforeAll(async () => (t = await startInvitationsTestApp()));
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());
  const diskError = () => Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });

  it('answers a send 503 event_store_unavailable with Retry-After, and mails nothing', async () => {
    jest.spyOn(t.infra.eventStore, 'append').mockRejectedValue(diskError());
    jest.spyOn(t.infra.eventStore, 'appendToStreams').mockRejectedValue(diskError());
    const reply = await expectSendUnavailable(t, 'event_store_unavailable');
    expect(JSON.stringify(reply.body)).not.toContain('disk I/O');
  });

  it('documents that 503 in OpenAPI beside the rate limits', async () => {
    type Doc = { paths: Record<string, Record<string, { responses: Record<string, object> }>> };
    const doc = (await t.call('GET', '/docs-json', {})).body as unknown as Doc;
    const described = (path: string, method: string) =>
      JSON.stringify(doc.paths[path][method].responses['503']);
    expect(described('/invitations', 'post')).toMatch(
      /rate_limits_unavailable.*event_store_unavailable.*shutting_down/,
    );
    expect(described('/invitations/{id}', 'get')).toMatch(/event_store_unavailable/);
    const conflicts = JSON.stringify(doc.paths['/invitations'].post.responses['409']);
    expect(conflicts).toMatch(/invitation_already_pending.*concurrent_update/);
  });

  it('answers a read 503 event_store_unavailable', async () => {
    const vendor = testUser('vendor');
    const { invitationId } = await t.invite(vendor);
    jest.spyOn(t.infra.eventStore, 'readStream').mockRejectedValue(diskError());
    const reply = await t.call('GET', `/invitations/${invitationId}`, { as: vendor });
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ code: 'event_store_unavailable' });
  });
});
