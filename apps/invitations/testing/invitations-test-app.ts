import { Module } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { createHttpApp } from '../../../libs/platform/http/create-http-app';
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
import { randomUUID } from 'node:crypto';
import { handleCommand } from '../../../libs/platform/command-handling/command-handler';
import { invitationDecider } from '../invitation/decide';
import type { SendInvitation } from '../invitation/invitation.commands';
import { invitationStream } from '../invitation/invitation.events';
import { hashToken, newInvitationToken } from '../invitation/invitation-token';
import { InvitationsModule } from '../invitations.module';
import { startInvitations, type RunningInvitations } from '../start-invitations';
import type { RunningService } from '../../../libs/platform/infrastructure/run-services';
import type { Mailer } from '../../../libs/platform/mail/mailer';

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** The invitations HTTP app on the embedded adapters, listening on a free port, with helpers for specs. */
export interface InvitationsTestApp {
  infra: TestInfrastructure;
  tokens: TestTokens;
  url: string;
  /** Only when started with `service: true`. */
  expireDue?: RunningInvitations['expireDue'];
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { as?: TestUser; body?: unknown },
  ): Promise<Reply<T>>;
  /** Sends an invitation as `vendor` and returns the created body (fails the test otherwise). */
  invite(vendor: TestUser, body?: Record<string, unknown>): Promise<Record<string, string>>;
  eventTypes(invitationId: string): Promise<string[]>;
  /** Records an invitation as if sent at `sentAt` (e.g. long enough ago to be past its expiry). */
  sentEarlier(
    vendor: TestUser,
    sentAt: Date,
    email?: string,
  ): Promise<{ invitationId: string; token: string }>;
  /** Stops the service (waiting for message handlers in flight) but keeps the stores open. */
  stopService(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The HTTP module alone by default; with `service: true` the whole service
 * (consumer, forwarder, expiry scheduler) as `startInvitations` runs it; `mailer` in place of
 * the one that keeps what it is sent.
 */
export async function startInvitationsTestApp(
  options: { env?: Record<string, string>; service?: boolean; mailer?: Mailer } = {},
): Promise<InvitationsTestApp> {
  const tokens = await createTestTokens();
  const { env, mailer } = options;
  const infra = await createTestInfrastructure({ jwtVerifier: tokens.verifier, env, mailer });
  const running: RunningService & Partial<RunningInvitations> = options.service
    ? await startInvitations(infra, 0)
    : await startHttpOnly(infra);
  const url = running.url;
  let stopped: Promise<void> | undefined;
  const stopService = () => (stopped ??= running.close());

  const call: InvitationsTestApp['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = {};
    if (options.as) headers.authorization = `Bearer ${await tokens.mint(options.as)}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };

  return {
    infra,
    tokens,
    url,
    expireDue: running.expireDue,
    call,
    async invite(vendor, body = {}) {
      const reply = await call<Record<string, string>>('POST', '/invitations', {
        as: vendor,
        body: { email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee', ...body },
      });
      if (reply.status !== 201)
        throw new Error(`invite: ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply.body;
    },
    async eventTypes(invitationId) {
      return (await infra.eventStore.readStream(invitationStream(invitationId))).map((e) => e.type);
    },
    async sentEarlier(vendor, sentAt, email = 'ann@example.com') {
      const invitationId = randomUUID();
      const token = newInvitationToken();
      const command: SendInvitation = {
        type: 'SendInvitation',
        invitationId,
        vendorId: vendor.companyId,
        invitedBy: vendor.userId,
        email,
        firstName: 'Ann',
        lastName: 'Lee',
        tokenHash: hashToken(token),
        expiresInDays: 1,
      };
      const context = { correlationId: 'seed', causationId: 'seed', actor: 'test', now: sentAt };
      await handleCommand(
        infra.eventStore,
        invitationDecider,
        invitationStream(invitationId),
        command,
        context,
      );
      return { invitationId, token };
    },
    stopService,
    async close() {
      await stopService();
      await infra.close();
    },
  };
}

async function startHttpOnly(infra: TestInfrastructure): Promise<RunningService> {
  @Module({ imports: [InvitationsModule.register(infra)] })
  class TestApp {}
  const app = await createHttpApp(TestApp, { title: 'invitations', logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { name: 'invitations', url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export { testUser };

/** The token in an accept URL. */
export const tokenOf = (acceptUrl: string) => new URL(acceptUrl).searchParams.get('token')!;
