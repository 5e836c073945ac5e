import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdentity } from '../apps/identity/start-identity';
import { startInvitations, type RunningInvitations } from '../apps/invitations/start-invitations';
import { createJwtVerifier } from '../libs/auth/jwt-verifier';
import { CLOUDEVENTS_CONTENT_TYPE, PLATFORM_EXCHANGE } from '../libs/contracts';
import { rabbitMqReachable } from '../libs/messaging/testing/rabbitmq-probe';
import { loadConfig } from '../libs/platform/config/config';
import {
  openInfrastructure,
  type Infrastructure,
} from '../libs/platform/infrastructure/infrastructure';
import type { RunningService } from '../libs/platform/infrastructure/run-services';
import { startSmtpTestServer, type SmtpTestServer } from '../libs/testing/smtp-test-server';
import { waitFor } from '../libs/testing/wait-for';

const rabbitUrl = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const reachable = rabbitMqReachable(rabbitUrl);
const required = process.env.CI === 'true';
if (!reachable && !required) process.stdout.write(`skipped: no RabbitMQ at ${rabbitUrl}\n`);
if (!reachable && required) {
  describe('invitations (e2e)', () => {
    it('needs RabbitMQ in CI', () => {
      throw new Error(`no RabbitMQ at ${rabbitUrl}, and CI=true requires it`);
    });
  });
}

const PUBLIC_URL = 'https://app.example';
const password = 'correct horse battery';
const DAY = 86_400_000;

interface User {
  userId: string;
  companyId: string;
  email: string;
  token: string;
}
type Body = Record<string, unknown>;

(reachable ? describe : describe.skip)('invitations (e2e)', () => {
  let dataDir: string;
  let smtp: SmtpTestServer;
  let infra: Infrastructure;
  let identity: RunningService;
  let invitations: RunningInvitations;
  let amqp: ChannelModel;
  let channel: Channel;
  const consumerName = `invitations-e2e-${randomUUID().slice(0, 8)}`;
  const observer = `invitations-e2e-observer.${randomUUID()}`;
  const published: ConsumeMessage[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'invitations-e2e-'));
    smtp = await startSmtpTestServer();
    amqp = await connect(rabbitUrl);
    channel = await amqp.createChannel();
    await channel.assertExchange(PLATFORM_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(observer, { exclusive: true });
    await channel.bindQueue(observer, PLATFORM_EXCHANGE, 'invitations.#');
    await channel.consume(observer, (m) => m && (published.push(m), channel.ack(m)));

    const config = loadConfig({
      DATA_DIR: dataDir,
      RABBITMQ_URL: rabbitUrl,
      SMTP_URL: smtp.url,
      PUBLIC_URL,
      LOG_LEVEL: 'silent',
    });
    infra = await openInfrastructure(config, () => undefined);
    identity = await startIdentity(infra, 0);
    // All-in-one topology: the services share the adapters; invitations trusts identity's JWKS.
    const jwks = new URL('/.well-known/jwks.json', identity.url);
    invitations = await startInvitations({ ...infra, jwtVerifier: createJwtVerifier(jwks) }, 0, {
      consumerName,
    });
  });

  afterAll(async () => {
    await invitations?.close();
    await identity?.close();
    await infra?.close();
    for (const q of ['', '.retry', '.dlq']) {
      await channel
        ?.deleteQueue(`${consumerName}.identity.email-verified.v1${q}`)
        .catch(() => undefined);
    }
    await amqp?.close();
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const request = async (
    base: string,
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (text ? JSON.parse(text) : {}) as Body,
    };
  };
  const api = (method: string, path: string, as?: User, body?: unknown) =>
    request(invitations.url, method, path, as?.token, body);
  const auth = (path: string, body: unknown) =>
    request(identity.url, 'POST', path, undefined, body);
  const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`;

  const logIn = async (email: string) => {
    const res = await auth('/auth/login', { email, password });
    expect(res.status).toBe(200);
    return res.body.accessToken as string;
  };
  const verificationToken = async (email: string) => {
    const mail = await smtp.waitForMail(email, (m) => m.text.includes('/verify-email?token='));
    return /\/verify-email\?token=([\w-]+)/.exec(mail.text)![1];
  };
  const register = async (
    accountType: 'vendor' | 'customer',
    options: { verified?: boolean } = {},
  ) => {
    const email = unique(accountType);
    const res = await auth('/auth/register', { email, password, accountType, companyName: 'Acme' });
    expect(res.status).toBe(201);
    if (options.verified) {
      expect(
        (await auth('/auth/verify-email', { token: await verificationToken(email) })).status,
      ).toBe(200);
    }
    const { userId, companyId } = res.body as Record<string, string>;
    return { userId, companyId, email, token: await logIn(email) };
  };
  const invite = async (vendor: User, email: string, extra: Body = {}) => {
    const res = await api('POST', '/invitations', vendor, {
      email,
      firstName: 'Ann',
      lastName: 'Lee',
      ...extra,
    });
    expect(res.status).toBe(201);
    return res.body as Record<string, string>;
  };
  const tokenOf = (acceptUrl: string) => new URL(acceptUrl).searchParams.get('token')!;
  const accept = (id: string, as: User, token: string) =>
    api('POST', `/invitations/${id}/accept`, as, { token });
  const typesOf = async (id: string) =>
    (await infra.eventStore.readStream(`invitation-${id}`)).map((e) => e.type);
  const messagesOf = (type: string, invitationId: string) =>
    published.filter(
      (m) =>
        m.fields.routingKey === type && JSON.parse(m.content.toString()).subject === invitationId,
    );

  /** The refusal answers `status` + `code` as problem+json and the event store does not move. */
  async function refused(call: () => ReturnType<typeof api>, status: number, code: string) {
    const head = await infra.eventStore.headPosition();
    const res = await call();
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await infra.eventStore.headPosition()).toBe(head);
    return res;
  }

  describe('when a vendor invites a customer who registers and verifies later', () => {
    let vendor: User;
    let customer: User;
    let invitationId: string;
    let acceptUrl: string;

    it('sends the invitation with the accept link by SMTP and announces it', async () => {
      vendor = await register('vendor', { verified: true });
      const customerEmail = unique('customer');
      const sent = await invite(vendor, customerEmail.toUpperCase(), {
        businessName: 'Lee Bakery',
      });
      ({ invitationId, acceptUrl } = sent);
      expect(sent).toMatchObject({ status: 'pending', email: customerEmail });
      expect(acceptUrl).toMatch(
        new RegExp(`^${PUBLIC_URL}/invitations/${invitationId}/accept\\?token=[\\w-]{43}$`),
      );
      const mail = await smtp.waitForMail(customerEmail);
      expect(mail.text).toContain(acceptUrl);

      await waitFor(() => messagesOf('invitations.invitation-sent.v1', invitationId).length === 1, {
        message: 'invitation-sent.v1 on RabbitMQ',
      });
      const [message] = messagesOf('invitations.invitation-sent.v1', invitationId);
      expect(JSON.parse(message.content.toString())).toMatchObject({
        specversion: '1.0',
        source: '/invitations',
        type: 'invitations.invitation-sent.v1',
        subject: invitationId,
        data: {
          invitationId,
          vendorId: vendor.companyId,
          email: customerEmail,
          expiresAt: sent.expiresAt,
        },
      });
      expect(message.properties).toMatchObject({
        contentType: CLOUDEVENTS_CONTENT_TYPE,
        type: 'invitations.invitation-sent.v1',
        deliveryMode: 2,
      });
      expect(message.content.toString()).not.toContain(tokenOf(acceptUrl));

      const res = await auth('/auth/register', {
        email: customerEmail,
        password,
        accountType: 'customer',
        companyName: 'Lee Bakery',
      });
      expect(res.status).toBe(201);
      customer = {
        ...(res.body as Record<string, string>),
        email: customerEmail,
        token: await logIn(customerEmail),
      } as User;
    });

    it('defers the unverified customer’s acceptance with 202', async () => {
      const res = await accept(invitationId, customer, tokenOf(acceptUrl));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ invitationId, status: 'pending', awaiting: 'email_verification' });
      expect(res.headers.get('x-event-position')).toMatch(/^\d+$/);
    });

    it('completes the acceptance once the email is verified', async () => {
      expect(
        (await auth('/auth/verify-email', { token: await verificationToken(customer.email) }))
          .status,
      ).toBe(200);
      const read = (await waitFor(
        async () => {
          const res = await api('GET', `/invitations/${invitationId}`, vendor);
          return res.body.status === 'accepted' && res.body;
        },
        { timeoutMs: 15_000, message: 'the invitation to read accepted' },
      )) as Body;
      expect(read).toMatchObject({
        invitationId,
        vendorId: vendor.companyId,
        businessName: 'Lee Bakery',
        customerCompanyId: customer.companyId,
        acceptedAt: expect.any(String),
      });
      await waitFor(
        () => messagesOf('invitations.invitation-accepted.v1', invitationId).length === 1,
        {
          message: 'invitation-accepted.v1 on RabbitMQ',
        },
      );
      const accepted = JSON.parse(
        messagesOf('invitations.invitation-accepted.v1', invitationId)[0].content.toString(),
      );
      expect(accepted.data).toEqual({
        invitationId,
        vendorId: vendor.companyId,
        customerCompanyId: customer.companyId,
        customerUserId: customer.userId,
        acceptedAt: read.acceptedAt,
      });
    });

    it('answers a repeat accept by the same company with 200 and records nothing', async () => {
      const head = await infra.eventStore.headPosition();
      const res = await accept(invitationId, customer, tokenOf(acceptUrl));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        invitationId,
        status: 'accepted',
        vendorId: vendor.companyId,
        customerCompanyId: customer.companyId,
      });
      expect(await infra.eventStore.headPosition()).toBe(head);
    });

    it('refuses to cancel or resend the accepted invitation', async () => {
      await refused(
        () => api('POST', `/invitations/${invitationId}/cancel`, vendor),
        409,
        'invitation_already_accepted',
      );
      await refused(
        () => api('POST', `/invitations/${invitationId}/resend`, vendor),
        409,
        'invitation_not_resendable',
      );
    });
  });

  describe('when a request is refused', () => {
    let vendor: User;
    let customer: User;

    beforeAll(async () => {
      vendor = await register('vendor');
      customer = await register('customer', { verified: true });
    });

    it('refuses the wrong account types with 403 wrong_account_type', async () => {
      const { invitationId, acceptUrl } = await invite(vendor, customer.email);
      await refused(
        () => accept(invitationId, vendor, tokenOf(acceptUrl)),
        403,
        'wrong_account_type',
      );
      await refused(
        () =>
          api('POST', '/invitations', customer, {
            email: unique('x'),
            firstName: 'A',
            lastName: 'B',
          }),
        403,
        'wrong_account_type',
      );
      await api('POST', `/invitations/${invitationId}/cancel`, vendor);
    });

    it('refuses another customer’s email with 403 email_mismatch', async () => {
      const other = await register('customer', { verified: true });
      const { invitationId, acceptUrl } = await invite(vendor, customer.email);
      await refused(() => accept(invitationId, other, tokenOf(acceptUrl)), 403, 'email_mismatch');
      await api('POST', `/invitations/${invitationId}/cancel`, vendor);
    });

    it('refuses a wrong token, an unknown and a malformed id with 404 invitation_invalid', async () => {
      const { invitationId } = await invite(vendor, customer.email);
      await refused(
        () => accept(invitationId, customer, 'A'.repeat(43)),
        404,
        'invitation_invalid',
      );
      await refused(
        () => accept(randomUUID(), customer, 'A'.repeat(43)),
        404,
        'invitation_invalid',
      );
      await refused(() => accept('not-an-id', customer, 'A'.repeat(43)), 404, 'invitation_invalid');
      await api('POST', `/invitations/${invitationId}/cancel`, vendor);
    });

    it('refuses the link of a resent invitation with 410 invitation_link_superseded', async () => {
      const { invitationId, acceptUrl } = await invite(vendor, customer.email);
      const resent = await api('POST', `/invitations/${invitationId}/resend`, vendor);
      expect(resent.status).toBe(200);
      const mails = () =>
        smtp.received.filter(
          (m) => m.to.includes(customer.email) && m.text.includes(String(resent.body.acceptUrl)),
        );
      await waitFor(() => mails().length === 1, { message: 'the resent invitation email' });
      await refused(
        () => accept(invitationId, customer, tokenOf(acceptUrl)),
        410,
        'invitation_link_superseded',
      );
      await api('POST', `/invitations/${invitationId}/cancel`, vendor);
    });

    it('refuses a cancelled invitation with 410 invitation_cancelled', async () => {
      const { invitationId, acceptUrl } = await invite(vendor, customer.email);
      expect((await api('POST', `/invitations/${invitationId}/cancel`, vendor)).body).toEqual({
        status: 'cancelled',
      });
      await refused(
        () => accept(invitationId, customer, tokenOf(acceptUrl)),
        410,
        'invitation_cancelled',
      );
      await waitFor(
        () => messagesOf('invitations.invitation-cancelled.v1', invitationId).length === 1,
      );
    });

    it('refuses an expired invitation with 410 invitation_expired', async () => {
      const { invitationId, acceptUrl } = await invite(vendor, customer.email, {
        expiresInDays: 1,
      });
      expect(await invitations.expireDue(new Date(Date.now() + 1.5 * DAY))).toBeGreaterThanOrEqual(
        1,
      );
      expect(await typesOf(invitationId)).toEqual(['InvitationSent', 'InvitationExpired']);
      await refused(
        () => accept(invitationId, customer, tokenOf(acceptUrl)),
        410,
        'invitation_expired',
      );
      await waitFor(
        () => messagesOf('invitations.invitation-expired.v1', invitationId).length === 1,
      );
    });

    it('refuses a second pending invitation to the same email with 409 naming the first', async () => {
      const first = await invite(vendor, customer.email);
      const res = await refused(
        () =>
          api('POST', '/invitations', vendor, {
            email: customer.email,
            firstName: 'A',
            lastName: 'B',
          }),
        409,
        'invitation_already_pending',
      );
      expect(res.body.invitationId).toBe(first.invitationId);
      await api('POST', `/invitations/${first.invitationId}/cancel`, vendor);
    });

    it('hides another vendor’s invitation with 404 invitation_not_found', async () => {
      const other = await register('vendor');
      const { invitationId } = await invite(vendor, customer.email);
      await refused(
        () => api('GET', `/invitations/${invitationId}`, other),
        404,
        'invitation_not_found',
      );
      await refused(
        () => api('POST', `/invitations/${invitationId}/cancel`, other),
        404,
        'invitation_not_found',
      );
      await refused(
        () => api('POST', `/invitations/${invitationId}/resend`, other),
        404,
        'invitation_not_found',
      );
      await refused(() => api('GET', '/invitations/..%2f', vendor), 404, 'invitation_not_found');
      await api('POST', `/invitations/${invitationId}/cancel`, vendor);
    });

    it('refuses bad input with 400 and a missing token with 401', async () => {
      await refused(
        () =>
          api('POST', '/invitations', vendor, {
            email: 'nope',
            firstName: 'A',
            lastName: 'B',
            expiresInDays: 31,
          }),
        400,
        'validation_failed',
      );
      await refused(
        () => api('POST', '/invitations', undefined, { email: unique('x') }),
        401,
        'unauthenticated',
      );
    });
  });

  describe('when requests race', () => {
    it('lets one of two sends to the same email through and refuses the other', async () => {
      const vendor = await register('vendor');
      const body = { email: unique('race'), firstName: 'R', lastName: 'C' };
      const replies = await Promise.all(
        [1, 2].map(() => api('POST', '/invitations', vendor, body)),
      );
      expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
      const created = replies.find((r) => r.status === 201)!.body;
      expect(replies.find((r) => r.status === 409)!.body).toMatchObject({
        code: 'invitation_already_pending',
        invitationId: created.invitationId,
      });
    });

    it('records exactly one InvitationAccepted for two concurrent accepts', async () => {
      const vendor = await register('vendor');
      const customer = await register('customer', { verified: true });
      const { invitationId, acceptUrl } = await invite(vendor, customer.email);
      const replies = await Promise.all(
        [1, 2].map(() => accept(invitationId, customer, tokenOf(acceptUrl))),
      );
      expect(replies.map((r) => r.status)).toEqual([200, 200]);
      expect((await typesOf(invitationId)).filter((t) => t === 'InvitationAccepted')).toHaveLength(
        1,
      );
    });
  });

  describe('when the service is asked about itself', () => {
    it('is alive and ready, and documents its routes', async () => {
      expect((await fetch(`${invitations.url}/health`)).status).toBe(200);
      expect((await fetch(`${invitations.url}/ready`)).status).toBe(200);
      const doc = (await (await fetch(`${invitations.url}/docs-json`)).json()) as { paths: object };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/invitations',
          '/invitations/{id}',
          '/invitations/{id}/resend',
          '/invitations/{id}/cancel',
          '/invitations/{id}/accept',
        ]),
      );
    });
  });
});
