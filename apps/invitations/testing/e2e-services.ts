import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdentity } from '../../identity/start-identity';
import { createJwtVerifier } from '../../../libs/auth/jwt-verifier';
import { PLATFORM_EXCHANGE } from '../../../libs/contracts';
import { rabbitMqReachable } from '../../../libs/messaging/testing/rabbitmq-probe';
import { loadConfig } from '../../../libs/platform/config/config';
import {
  openInfrastructure,
  type Infrastructure,
} from '../../../libs/platform/infrastructure/infrastructure';
import type { RunningService } from '../../../libs/platform/infrastructure/run-services';
import {
  startSmtpTestServer,
  type ReceivedMail,
  type SmtpTestServer,
} from '../../../libs/testing/smtp-test-server';
import { waitFor } from '../../../libs/testing/wait-for';
import { startInvitations, type RunningInvitations } from '../start-invitations';
import { customerVerificationStream } from '../customer-verification/customer-verification.decider';
import { CONSUMER_RETRY, consumerQueues } from '../../../libs/messaging';
import type { EventStore, RecordedEvent } from '../../../libs/event-store';

export const PUBLIC_URL = 'https://app.example';
/** Bound for waits on mail and messages, and (doubled) for each test. */
export const WAIT_MS = 20_000;
const password = 'correct horse battery';

/** A user registered and logged in through identity. */
export interface E2eUser {
  userId: string;
  companyId: string;
  email: string;
  token: string;
}
export type Body = Record<string, unknown>;
export interface E2eReply {
  status: number;
  headers: Headers;
  body: Body;
}

/**
 * identity and invitations on real RabbitMQ and a real SMTP server, sharing
 * one set of SQLite adapters (the all-in-one topology), invitations trusting
 * identity's JWKS. Everything the services publish under `invitations.#` is
 * kept in `published`. Queues get a unique prefix, so runs can share a broker.
 */
export async function startE2eServices(rabbitUrl: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'invitations-e2e-'));
  const smtp: SmtpTestServer = await startSmtpTestServer();
  const amqp: ChannelModel = await connect(rabbitUrl);
  const channel: Channel = await amqp.createChannel();
  const observer = `invitations-e2e-observer.${randomUUID()}`;
  const published: ConsumeMessage[] = [];
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
  const infra: Infrastructure = await openInfrastructure(config, () => undefined);
  const identity: RunningService = await startIdentity(infra, 0);
  const consumerName = `invitations-e2e-${randomUUID().slice(0, 8)}`;
  const jwks = new URL('/.well-known/jwks.json', identity.url);
  const invitations: RunningInvitations = await startInvitations(
    { ...infra, jwtVerifier: createJwtVerifier(jwks) },
    0,
    { consumerName },
  );

  /** Messages of `type` about one invitation, as the observer queue received them. */
  const messagesOf = (type: string, invitationId: string) =>
    published.filter(
      (m) =>
        m.fields.routingKey === type && JSON.parse(m.content.toString()).subject === invitationId,
    );
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
  const api = (method: string, path: string, as?: E2eUser, body?: unknown): Promise<E2eReply> =>
    request(invitations.url, method, path, as?.token, body);
  const auth = (path: string, body: unknown) =>
    request(identity.url, 'POST', path, undefined, body);
  const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`;

  const expectStatus = (reply: E2eReply, status: number) => {
    if (reply.status !== status)
      throw new Error(`expected ${status}, got ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply;
  };
  const logIn = async (email: string) =>
    expectStatus(await auth('/auth/login', { email, password }), 200).body.accessToken as string;
  /** Generous bounds: these run beside other suites on a shared broker and CPU. */
  const mailTo = (to: string, where: (mail: ReceivedMail) => boolean = () => true) =>
    waitFor(() => smtp.received.find((m) => m.to.includes(to) && where(m)), {
      timeoutMs: WAIT_MS,
      message: `a mail to ${to}`,
    });
  const verificationToken = async (email: string) => {
    const mail = await mailTo(email, (m) => m.text.includes('/verify-email?token='));
    return /\/verify-email\?token=([\w-]+)/.exec(mail.text)![1];
  };
  const verifyEmail = async (email: string) =>
    expectStatus(await auth('/auth/verify-email', { token: await verificationToken(email) }), 200);

  const userIds = new Set<string>();
  return {
    infra,
    smtp,
    appendedSince: (head: bigint) => appendedSince(infra.eventStore, head, userIds),
    published,
    identity,
    invitations,
    api,
    unique,
    mailTo,
    logIn,
    verifyEmail,
    /** Registers through identity (verified if asked) and logs in. */
    async register(
      accountType: 'vendor' | 'customer',
      options: { verified?: boolean; email?: string } = {},
    ): Promise<E2eUser> {
      const email = options.email ?? unique(accountType);
      const reply = expectStatus(
        await auth('/auth/register', { email, password, accountType, companyName: 'Acme' }),
        201,
      );
      const { userId, companyId } = reply.body as Record<string, string>;
      userIds.add(userId);
      if (options.verified) {
        await verifyEmail(email);
        // The invitations service records the verification it consumes; wait for it so
        // that no test sees that late append as a change of its own.
        await waitFor(
          async () =>
            (await infra.eventStore.readStream(customerVerificationStream(userId))).length,
          { timeoutMs: WAIT_MS, message: `invitations to record ${email} as verified` },
        );
      }
      return { userId, companyId, email, token: await logIn(email) };
    },
    async invite(vendor: E2eUser, email: string, extra: Body = {}) {
      const body = { email, firstName: 'Ann', lastName: 'Lee', ...extra };
      return expectStatus(await api('POST', '/invitations', vendor, body), 201).body as Record<
        string,
        string
      >;
    },
    accept: (id: string, as: E2eUser, token: string) =>
      api('POST', `/invitations/${id}/accept`, as, { token }),
    tokenOf: (acceptUrl: string) => new URL(acceptUrl).searchParams.get('token')!,
    typesOf: async (id: string) =>
      (await infra.eventStore.readStream(`invitation-${id}`)).map((e) => e.type),
    /** Waits for the messages of `type` about one invitation on the observer queue. */
    announced: (type: string, invitationId: string) =>
      waitFor(() => messagesOf(type, invitationId).length && messagesOf(type, invitationId), {
        timeoutMs: WAIT_MS,
        message: `${type} on RabbitMQ`,
      }) as Promise<ConsumeMessage[]>,
    messagesOf,
    async close() {
      await invitations.close();
      await identity.close();
      await infra.close();
      for (const q of consumerQueues(
        `${consumerName}.identity.email-verified.v1`,
        CONSUMER_RETRY,
      )) {
        await channel.deleteQueue(q).catch(() => undefined);
      }
      await amqp.close();
      await smtp.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type E2eServices = Awaited<ReturnType<typeof startE2eServices>>;

/**
 * What was appended to `store` after `head`, as "<type> on <stream>". The
 * broker is shared with other suites, whose identity announces their own
 * users' verifications, and an invitations service records those too: only
 * those of `ownUserIds` are kept.
 */
export async function appendedSince(
  store: EventStore,
  head: bigint,
  ownUserIds: ReadonlySet<string>,
): Promise<string[]> {
  const events = await store.readAll({ after: head, maxCount: 100 });
  const prefix = customerVerificationStream('');
  const foreign = (e: RecordedEvent) =>
    e.type === 'CustomerEmailVerified' && !ownUserIds.has(e.streamName.slice(prefix.length));
  return events.filter((e) => !foreign(e)).map((e) => `${e.type} on ${e.streamName}`);
}

/**
 * `describe` against the RabbitMQ at TEST_RABBITMQ_URL (default: local guest).
 * Unreachable: fails under CI=true, otherwise says so in one line and skips.
 */
export function describeWithRabbitMq(name: string, suite: (rabbitUrl: string) => void): void {
  const rabbitUrl = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  if (rabbitMqReachable(rabbitUrl)) {
    describe(name, () => {
      jest.setTimeout(2 * WAIT_MS);
      suite(rabbitUrl);
    });
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs RabbitMQ in CI', () => {
        throw new Error(`no RabbitMQ at ${rabbitUrl}, and CI=true requires it`);
      });
    });
  } else {
    process.stdout.write(`skipped: no RabbitMQ at ${rabbitUrl}\n`);
    describe.skip(name, () => suite(rabbitUrl));
  }
}
