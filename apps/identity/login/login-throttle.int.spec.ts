import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../libs/platform/config/config';
import {
  openInfrastructure,
  type Infrastructure,
} from '../../../libs/platform/infrastructure/infrastructure';
import { createHttpApp } from '../../../libs/platform/http/create-http-app';
import { IdentityModule } from '../identity.module';

const LIMIT = 3;
/** Per address, whatever the emails: above what the other cases spend from CLIENT in one window. */
const PER_IP_LIMIT = 30;
const LOCKOUT_SECONDS = 60;
const PASSWORD = 'correct horse battery';
const CLIENT = '203.0.113.7';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

describe('POST /auth/login under the failed-login throttle', () => {
  let dataDir: string;
  let infra: Infrastructure;
  let app: NestFastifyApplication;
  let now = Date.now();
  let emails = 0;

  /** An identity instance on `dataDir`: a second one shares the event store and the counters. */
  const startInstance = async (env: Record<string, string> = {}) => {
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      LOGIN_MAX_FAILED_ATTEMPTS: String(LIMIT),
      LOGIN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
      LOGIN_MAX_FAILED_ATTEMPTS_PER_IP: String(PER_IP_LIMIT),
      ...env,
    });
    const mailer = { send: async () => undefined, close: () => undefined };
    const opened = await openInfrastructure(config, () => undefined, { mailer });
    const started = await createHttpApp(IdentityModule.register(opened, { clock: () => now }), {
      title: 'identity',
      logger: false,
      trustProxy: config.trustProxy,
    });
    await started.init();
    await started.getHttpAdapter().getInstance().ready();
    return { infra: opened, app: started };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'login-throttle-'));
    ({ infra, app } = await startInstance());
  });

  afterAll(async () => {
    await app?.close();
    await infra?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (
    path: string,
    body: object,
    ip = CLIENT,
    on = app,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const res = await on.inject({
      method: 'POST',
      url: path,
      payload: body,
      remoteAddress: ip,
      headers,
    });
    return { status: res.statusCode, body: res.json(), headers: res.headers };
  };
  const logIn = (
    email: string,
    password: string,
    ip = CLIENT,
    on = app,
    headers: Record<string, string> = {},
  ) => post('/auth/login', { email, password }, ip, on, headers);
  const failTimes = async (times: number, email: string, ip = CLIENT, on = app) => {
    for (let i = 0; i < times; i += 1) {
      expect((await logIn(email, 'wrong horse battery', ip, on)).status).toBe(401);
    }
  };
  /** A new account (registering counts for nothing). */
  const registered = async () => {
    emails += 1;
    const email = `user-${emails}@example.com`;
    const reply = await post('/auth/register', {
      email,
      password: PASSWORD,
      accountType: 'customer',
      companyName: 'Acme',
    });
    expect(reply.status).toBe(201);
    return email;
  };
  const expectLocked = (reply: Answer, retryAfterSeconds: number) => {
    expect(reply.status).toBe(429);
    expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reply.headers['retry-after']).toBe(String(retryAfterSeconds));
    expect(reply.body).toEqual({
      type: 'urn:problem:rate_limited',
      title: 'rate limited',
      status: 429,
      detail: expect.any(String),
      code: 'rate_limited',
      retryAfterSeconds,
    });
  };

  describe(`when an email has failed ${LIMIT} times from one address`, () => {
    it('refuses the next attempt with 429 rate_limited and Retry-After, even with the right password', async () => {
      const email = await registered();
      await failTimes(LIMIT, email);
      now += 15_000;
      expectLocked(await logIn(email, PASSWORD), LOCKOUT_SECONDS - 15);
      expectLocked(await logIn(email.toUpperCase(), 'wrong horse battery'), LOCKOUT_SECONDS - 15);
    });

    it('still lets another email log in from the same address', async () => {
      const locked = await registered();
      const other = await registered();
      await failTimes(LIMIT, locked);
      expect((await logIn(other, PASSWORD)).status).toBe(200);
    });

    it('still lets the same email log in from another address', async () => {
      const email = await registered();
      await failTimes(LIMIT, email);
      expect((await logIn(email, PASSWORD, '198.51.100.9')).status).toBe(200);
    });
  });

  describe('when the email belongs to no account', () => {
    it('locks it the same way, so the answer does not tell whether the account exists', async () => {
      const known = await registered();
      const unknown = 'nobody@example.com';
      await failTimes(LIMIT, known);
      await failTimes(LIMIT, unknown);
      const knownReply = await logIn(known, PASSWORD);
      const unknownReply = await logIn(unknown, PASSWORD);
      expectLocked(unknownReply, LOCKOUT_SECONDS);
      expect(unknownReply.body).toEqual(knownReply.body);
      expect(unknownReply.headers['retry-after']).toBe(knownReply.headers['retry-after']);
    });
  });

  describe('when the lockout window has passed', () => {
    it('lets the right password in again', async () => {
      const email = await registered();
      await failTimes(LIMIT, email);
      expectLocked(await logIn(email, PASSWORD), LOCKOUT_SECONDS);
      now += LOCKOUT_SECONDS * 1000;
      const reply = await logIn(email, PASSWORD);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ tokenType: 'Bearer' });
    });
  });

  describe('when a login succeeds before the limit', () => {
    it('clears the count of failures for that email and address', async () => {
      const email = await registered();
      await failTimes(LIMIT - 1, email);
      expect((await logIn(email, PASSWORD)).status).toBe(200);
      await failTimes(LIMIT - 1, email);
      expect((await logIn(email, PASSWORD)).status).toBe(200);
    });
  });

  describe('when the request is invalid', () => {
    it('answers 400 and does not count it', async () => {
      const email = await registered();
      for (let i = 0; i < LIMIT + 1; i += 1) {
        expect((await post('/auth/login', { email, password: '' })).status).toBe(400);
      }
      expect((await logIn(email, PASSWORD)).status).toBe(200);
    });
  });

  describe('when one address fails on many emails, a few times each', () => {
    it('refuses that address for every email, even with the right password, and no other', async () => {
      const spraying = '192.0.2.44';
      const email = await registered();
      for (let i = 0; i < PER_IP_LIMIT / (LIMIT - 1); i += 1) {
        await failTimes(LIMIT - 1, `sprayed-${i}@example.com`, spraying);
      }
      const reply = await logIn(email, PASSWORD, spraying);
      expect(reply.status).toBe(429);
      expect(reply.body).toMatchObject({ code: 'rate_limited' });
      expect(reply.headers['retry-after']).toBeDefined();
      expect((await logIn(email, PASSWORD)).status).toBe(200);
    });
  });

  describe('when clients come through a proxy', () => {
    const PROXY = '10.0.0.1';
    let trusting: Awaited<ReturnType<typeof startInstance>>;
    beforeAll(async () => (trusting = await startInstance({ TRUST_PROXY: '10.0.0.0/8' })));
    afterAll(async () => {
      await trusting?.app.close();
      await trusting?.infra.close();
    });
    const viaProxy = async (
      on: NestFastifyApplication,
      client: string,
      email: string,
      password: string,
    ) => (await logIn(email, password, PROXY, on, { 'x-forwarded-for': client })).status;

    it('tells them apart by X-Forwarded-For when TRUST_PROXY names the proxy', async () => {
      const email = await registered();
      for (let i = 0; i < LIMIT; i += 1) {
        expect(await viaProxy(trusting.app, '198.51.100.1', email, 'wrong horse battery')).toBe(
          401,
        );
      }
      expect(await viaProxy(trusting.app, '198.51.100.1', email, PASSWORD)).toBe(429);
      expect(await viaProxy(trusting.app, '198.51.100.2', email, PASSWORD)).toBe(200);
    });

    it('takes every client for the proxy when TRUST_PROXY is unset', async () => {
      const email = await registered();
      for (let i = 0; i < LIMIT; i += 1) {
        expect(await viaProxy(app, '198.51.100.3', email, 'wrong horse battery')).toBe(401);
      }
      expect(await viaProxy(app, '198.51.100.4', email, PASSWORD)).toBe(429);
    });
  });

  describe('when one IPv6 host fails from many addresses of its /64', () => {
    it('counts them as one client, and not a neighbouring network', async () => {
      const email = await registered();
      for (let i = 1; i <= LIMIT; i += 1) {
        expect((await logIn(email, 'wrong horse battery', `2001:db8:7:1::${i}`)).status).toBe(401);
      }
      expect((await logIn(email, PASSWORD, '2001:db8:7:1:ab:cd:ef:1')).status).toBe(429);
      expect((await logIn(email, PASSWORD, '2001:db8:7:2::1')).status).toBe(200);
    });
  });

  describe('when failures reach two instances sharing the data directory', () => {
    let second: Awaited<ReturnType<typeof startInstance>>;
    beforeAll(async () => (second = await startInstance()));
    afterAll(async () => {
      await second?.app.close();
      await second?.infra.close();
    });

    it('counts them together, so either instance refuses past the limit', async () => {
      const email = await registered();
      await failTimes(LIMIT - 1, email);
      await failTimes(1, email, CLIENT, second.app);
      expectLocked(await logIn(email, PASSWORD), LOCKOUT_SECONDS);
      expectLocked(await logIn(email, PASSWORD, CLIENT, second.app), LOCKOUT_SECONDS);
    });
  });
});
