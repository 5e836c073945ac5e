import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdentity } from '../apps/identity/start-identity';
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

const EMAIL_VERIFIED = 'identity.email-verified.v1';
const PUBLIC_URL = 'https://app.example';
const password = 'correct horse battery';

if (!reachable && required) {
  describe('identity (e2e)', () => {
    it('needs RabbitMQ in CI', () => {
      throw new Error(`no RabbitMQ at ${rabbitUrl}, and CI=true requires it`);
    });
  });
}

(reachable ? describe : describe.skip)('identity (e2e)', () => {
  let dataDir: string;
  let smtp: SmtpTestServer;
  let infra: Infrastructure;
  let identity: RunningService;
  let amqp: ChannelModel;
  let channel: Channel;
  const queue = `identity-e2e.${randomUUID()}`;
  const published: ConsumeMessage[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'identity-e2e-'));
    smtp = await startSmtpTestServer();
    amqp = await connect(rabbitUrl);
    channel = await amqp.createChannel();
    await channel.assertExchange(PLATFORM_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(queue, { exclusive: true });
    await channel.bindQueue(queue, PLATFORM_EXCHANGE, EMAIL_VERIFIED);
    await channel.consume(queue, (m) => m && (published.push(m), channel.ack(m)));

    const config = loadConfig({
      DATA_DIR: dataDir,
      EVENT_STORE_URL: `sqlite:${join(dataDir, 'events.sqlite')}`,
      READ_MODEL_URL: `sqlite:${join(dataDir, 'read-models.sqlite')}`,
      RABBITMQ_URL: rabbitUrl,
      SMTP_URL: smtp.url,
      PUBLIC_URL,
      LOG_LEVEL: 'silent',
    });
    infra = await openInfrastructure(config, () => undefined);
    identity = await startIdentity(infra, 0);
  });

  afterAll(async () => {
    await identity?.close();
    await infra?.close();
    await channel?.deleteQueue(queue).catch(() => undefined);
    await amqp?.close();
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${identity.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const uniqueEmail = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`;
  const register = (email: string, extra: Record<string, unknown> = {}) =>
    post('/auth/register', {
      email,
      password,
      accountType: 'customer',
      companyName: 'Acme',
      ...extra,
    });
  const tokenMailedTo = async (email: string) => {
    const mail = await smtp.waitForMail(email);
    const link = new RegExp(`${PUBLIC_URL}/verify-email\\?token=([\\w-]+)`).exec(mail.text);
    if (!link) throw new Error(`no verification link in: ${mail.text}`);
    return link[1];
  };
  const messagesAbout = (userId: string) =>
    published.filter((m) => JSON.parse(m.content.toString()).subject === userId);

  /** Runs `refused` and checks the event store did not move. */
  async function recordsNothing(refused: () => Promise<void>) {
    const before = await infra.eventStore.headPosition();
    await refused();
    expect(await infra.eventStore.headPosition()).toBe(before);
  }

  async function expectProblem(res: Response, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as { code: string; status: number };
    expect(body).toMatchObject({ status, code });
    return body;
  }

  describe('when a customer registers, verifies the email and logs in', () => {
    const email = uniqueEmail('ann');
    let userId: string;
    let companyId: string;
    let token: string;
    let verificationPosition: string | null;

    it('registers the user and answers with the event position', async () => {
      const res = await register(email.toUpperCase(), { firstName: 'Ann' });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { userId: string; companyId: string };
      expect(body).toEqual({
        userId: expect.any(String),
        companyId: expect.any(String),
        accountType: 'customer',
        email,
        emailVerified: false,
      });
      ({ userId, companyId } = body);
      expect(res.headers.get('x-event-position')).toBe(
        String(await infra.eventStore.headPosition()),
      );
    });

    it('sends the verification link by SMTP', async () => {
      token = await tokenMailedTo(email);
      expect(token).toMatch(/^[\w-]{43}$/);
    });

    it('verifies the email and announces it on RabbitMQ as contracted', async () => {
      const correlationId = `e2e-${randomUUID()}`;
      const res = await post(
        '/auth/verify-email',
        { token },
        { 'x-correlation-id': correlationId },
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ userId, emailVerified: true });
      expect(res.headers.get('x-event-position')).toMatch(/^\d+$/);
      verificationPosition = res.headers.get('x-event-position');

      const message = await waitFor(() => messagesAbout(userId)[0], { message: 'EmailVerified' });
      const event = JSON.parse(message.content.toString());
      expect(event).toEqual({
        specversion: '1.0',
        id: expect.any(String),
        source: '/identity',
        type: EMAIL_VERIFIED,
        time: event.data.verifiedAt,
        datacontenttype: 'application/json',
        subject: userId,
        correlationid: correlationId,
        data: { userId, email, verifiedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) },
      });
      expect(message.fields.routingKey).toBe(EMAIL_VERIFIED);
      expect(message.properties).toMatchObject({
        messageId: event.id,
        type: EMAIL_VERIFIED,
        contentType: CLOUDEVENTS_CONTENT_TYPE,
        correlationId,
        deliveryMode: 2,
      });
    });

    it('answers a repeat verification the same, recording and announcing nothing', async () => {
      await recordsNothing(async () => {
        const res = await post('/auth/verify-email', { token });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ userId, emailVerified: true });
        // The position of the verification already recorded: waiting for it sees the same state.
        expect(res.headers.get('x-event-position')).toBe(verificationPosition);
      });
      // Messages arrive in order: once a later user's announcement is in, a duplicate would be too.
      const later = uniqueEmail('later');
      const { userId: laterId } = (await (await register(later)).json()) as { userId: string };
      expect((await post('/auth/verify-email', { token: await tokenMailedTo(later) })).status).toBe(
        200,
      );
      await waitFor(() => messagesAbout(laterId).length > 0, { message: 'the later announcement' });
      expect(messagesAbout(userId)).toHaveLength(1);
    });

    it('logs in with a token verifiable against the JWKS', async () => {
      const res = await post('/auth/login', { email: email.toUpperCase(), password });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { accessToken: string };
      expect(body).toEqual({
        accessToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 3600,
      });
      const verifier = createJwtVerifier(new URL('/.well-known/jwks.json', identity.url));
      await expect(verifier.verify(body.accessToken)).resolves.toEqual({
        userId,
        email,
        emailVerified: true,
        accountType: 'customer',
        companyId,
        companyName: 'Acme',
      });
    });
  });

  describe('when optional names are sent as null', () => {
    it('registers the user with them left out, recording no null', async () => {
      const before = await infra.eventStore.headPosition();
      const res = await register(uniqueEmail('nulls'), { firstName: null, lastName: null });
      expect(res.status).toBe(201);
      const recorded = await infra.eventStore.readAll({ after: before, maxCount: 100 });
      const user = recorded.find((e) => e.type === 'UserRegistered')!;
      expect(user.data).not.toHaveProperty('firstName');
      expect(user.data).not.toHaveProperty('lastName');
    });
  });

  describe('when a registration is refused', () => {
    it('answers 409 email_taken for an email already registered, in any case', async () => {
      const email = uniqueEmail('dup');
      expect((await register(email)).status).toBe(201);
      await recordsNothing(async () => {
        await expectProblem(await register(email.toUpperCase()), 409, 'email_taken');
      });
    });

    it('lets exactly one of two concurrent registrations of an email through', async () => {
      const email = uniqueEmail('race');
      const before = await infra.eventStore.headPosition();
      const responses = await Promise.all([register(email), register(email)]);
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
      const winner = responses.find((r) => r.status === 201)!;
      const loser = responses.find((r) => r.status === 409)!;
      await expectProblem(loser, 409, 'email_taken');
      const { userId } = (await winner.json()) as { userId: string };
      const recorded = await infra.eventStore.readAll({ after: before, maxCount: 100 });
      expect(recorded.map((e) => e.metadata.actor)).toEqual(recorded.map(() => `user:${userId}`));
    });

    it.each([
      ['malformed JSON', '{"email": "x@example.com",', 'bad_request', 'body'],
      ['an unknown field', { ...valid(), admin: true }, 'validation_failed', 'admin'],
      ['a missing field', { ...valid(), password: undefined }, 'validation_failed', 'password'],
      ['a bad email', { ...valid(), email: 'not-an-email' }, 'validation_failed', 'email'],
      ['a short password', { ...valid(), password: 'short' }, 'validation_failed', 'password'],
      [
        'an unknown account type',
        { ...valid(), accountType: 'admin' },
        'validation_failed',
        'accountType',
      ],
      [
        'a name of several lines',
        { ...valid(), firstName: 'Ann\nClick https://evil.example to confirm' },
        'validation_failed',
        'firstName',
      ],
      [
        'a company name of null',
        { ...valid(), companyName: null },
        'validation_failed',
        'companyName',
      ],
      [
        'a company name with a line separator',
        { ...valid(), companyName: 'Acme\u2028Ltd' },
        'validation_failed',
        'companyName',
      ],
    ])('answers 400 to %s', async (_, body, code, field) => {
      await recordsNothing(async () => {
        const problem = await expectProblem(await post('/auth/register', body), 400, code);
        const fields = (problem as { errors?: Array<{ field: string }> }).errors?.map(
          (e) => e.field,
        );
        expect(fields).toEqual(field ? expect.arrayContaining([field]) : undefined);
      });
    });
  });

  describe('when a verification is refused', () => {
    it('answers 400 invalid_token for a token never issued', async () => {
      await recordsNothing(async () => {
        const res = await post('/auth/verify-email', { token: 'A'.repeat(43) });
        await expectProblem(res, 400, 'invalid_token');
      });
    });
  });

  describe('when a verification link is asked for again', () => {
    it('answers 202 alike for an unverified account and an unknown email, and 400 for no email', async () => {
      const email = uniqueEmail('cy');
      expect((await register(email)).status).toBe(201);
      for (const who of [email, uniqueEmail('nobody')]) {
        const res = await post('/auth/resend-verification', { email: who });
        expect(res.status).toBe(202);
        expect(await res.json()).toEqual({ status: 'accepted' });
      }
      await recordsNothing(async () => {
        await expectProblem(
          await post('/auth/resend-verification', { email: 'not-an-email' }),
          400,
          'validation_failed',
        );
      });
    });
  });

  describe('when a login is refused', () => {
    const email = uniqueEmail('bob');
    beforeAll(async () => {
      expect((await register(email)).status).toBe(201);
    });

    it('answers the same 401 for a wrong password and an unknown email', async () => {
      await recordsNothing(async () => {
        const wrong = await expectProblem(
          await post('/auth/login', { email, password: 'nope-nope' }),
          401,
          'invalid_credentials',
        );
        const unknown = await expectProblem(
          await post('/auth/login', { email: uniqueEmail('nobody'), password }),
          401,
          'invalid_credentials',
        );
        expect(unknown).toEqual(wrong);
      });
    });
  });

  describe('when the service is asked about itself', () => {
    it('is alive and ready', async () => {
      expect((await fetch(`${identity.url}/health`)).status).toBe(200);
      expect((await fetch(`${identity.url}/ready`)).status).toBe(200);
    });

    it('documents the auth routes at /docs', async () => {
      const doc = (await (await fetch(`${identity.url}/docs-json`)).json()) as { paths: object };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/auth/register',
          '/auth/verify-email',
          '/auth/login',
          '/.well-known/jwks.json',
        ]),
      );
    });
  });
});

function valid() {
  return {
    email: `val-${randomUUID().slice(0, 8)}@example.com`,
    password,
    accountType: 'vendor',
    companyName: 'Acme',
  };
}
