import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../libs/platform/config/config';
import { createHttpApp } from '../../../libs/platform/http/create-http-app';
import {
  openInfrastructure,
  type Infrastructure,
} from '../../../libs/platform/infrastructure/infrastructure';
import { IdentityModule } from '../identity.module';

const PER_HOUR = 3;
const CLIENT = '203.0.113.7';

describe('POST /auth/register and /auth/resend-verification under the sign-up limit', () => {
  let dataDir: string;
  let infra: Infrastructure;
  let app: NestFastifyApplication;
  let now = Date.now();
  let emails = 0;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sign-up-limit-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      REGISTRATIONS_RATE_LIMIT_PER_HOUR: String(PER_HOUR),
    });
    const mailer = { send: async () => undefined, close: () => undefined };
    infra = await openInfrastructure(config, () => undefined, { mailer });
    app = await createHttpApp(IdentityModule.register(infra, { clock: () => now }), {
      title: 'identity',
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterEach(async () => {
    await app.close();
    await infra.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (path: string, body: object, ip = CLIENT) => {
    const res = await app.inject({ method: 'POST', url: path, payload: body, remoteAddress: ip });
    return { status: res.statusCode, body: res.json(), retryAfter: res.headers['retry-after'] };
  };
  const register = (ip = CLIENT) => {
    emails += 1;
    const email = `user-${emails}@example.com`;
    const account = { password: 'correct horse battery', accountType: 'customer' };
    return post('/auth/register', { email, ...account, companyName: 'Acme' }, ip);
  };
  describe(`when an address has signed up ${PER_HOUR} times this hour`, () => {
    it('refuses the next sign-up and verification resend with 429, recording nothing', async () => {
      for (let i = 0; i < PER_HOUR; i += 1) expect((await register()).status).toBe(201);
      const head = await infra.eventStore.headPosition();
      now += 60_000;

      const refused = await register();
      const resend = await post('/auth/resend-verification', { email: 'user-1@example.com' });

      for (const answer of [refused, resend]) {
        expect(answer.status).toBe(429);
        expect(answer.body).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 3540 });
        expect(answer.retryAfter).toBe('3540');
      }
      // Nothing recorded: no user, no new verification token, so no email either.
      expect(await infra.eventStore.headPosition()).toBe(head);
    });

    it('lets another address sign up, and this one again once the hour is over', async () => {
      for (let i = 0; i < PER_HOUR; i += 1) await register();
      expect((await register()).status).toBe(429);

      expect((await register('198.51.100.9')).status).toBe(201);
      now += 3_600_000;
      expect((await register()).status).toBe(201);
    });
  });

  describe('when the body is invalid', () => {
    it('answers 400 without counting it', async () => {
      for (let i = 0; i < PER_HOUR + 2; i += 1) {
        expect((await post('/auth/register', { email: 'not-an-email' })).status).toBe(400);
      }
      expect((await register()).status).toBe(201);
    });
  });
});
