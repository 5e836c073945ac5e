import { Global, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '../http/create-http-app';
import { SERVICE_LOG, type ServiceLog } from './logger';
import { OpsEndpointsModule } from './ops-endpoints.module';

/** What each check answers: undefined when up, else why it is down. */
const down: Record<string, string | undefined> = {};
const check = (name: string) => async () => {
  if (down[name]) throw new Error(down[name]);
};
const lines: string[] = [];
const log: ServiceLog = (context) => ({
  log: (message: unknown) => lines.push(`info ${context} ${String(message)}`),
  warn: (message: unknown) => lines.push(`warn ${context} ${String(message)}`),
  error: (message: unknown) => lines.push(`error ${context} ${String(message)}`),
});

@Global()
@Module({ providers: [{ provide: SERVICE_LOG, useValue: log }], exports: [SERVICE_LOG] })
class ServiceLogModule {}

@Module({
  imports: [
    ServiceLogModule,
    OpsEndpointsModule.register({ broker: check('broker'), rateLimits: check('rateLimits') }),
  ],
})
class ProbeModule {}

describe('/ready', () => {
  let app: NestFastifyApplication;
  let base: string;
  beforeAll(async () => {
    app = await createHttpApp(ProbeModule, { title: 'probe', logger: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());
  const probe = async () => {
    const res = await fetch(`${base}/ready`);
    return { res, body: (await res.json()) as Record<string, unknown> };
  };

  // Every test starts from a ready service that has told nothing.
  beforeEach(async () => {
    delete down.broker;
    delete down.rateLimits;
    await probe();
    lines.length = 0;
  });

  describe('when a check fails', () => {
    it('answers 503 not_ready naming the failing check in its detail', async () => {
      down.broker = 'broker not connected';
      const { res, body } = await probe();
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(body).toEqual({
        type: 'urn:problem:not_ready',
        title: 'not ready',
        status: 503,
        code: 'not_ready',
        detail: 'Not ready: broker (broker not connected)',
        retryAfterSeconds: 1,
        checks: {
          broker: { status: 'down', message: 'broker not connected' },
          rateLimits: { status: 'up' },
        },
      });
    });
  });

  describe('when probes find the same checks down', () => {
    it('tells the outage once', async () => {
      down.broker = 'broker not connected';
      for (let i = 0; i < 5; i++) await probe();
      expect(lines).toEqual(['warn ready not_ready: broker down (broker not connected)']);
    });
  });

  describe('when the set of failing checks changes', () => {
    it('tells each change, and once that all are up again', async () => {
      down.broker = 'broker not connected';
      await probe();
      down.rateLimits = 'disk I/O error';
      await probe();
      await probe();
      delete down.broker;
      await probe();
      delete down.rateLimits;
      expect((await probe()).res.status).toBe(200);
      await probe();
      expect(lines).toEqual([
        'warn ready not_ready: broker down (broker not connected)',
        'warn ready not_ready: broker down (broker not connected), rateLimits down (disk I/O error)',
        'warn ready not_ready: rateLimits down (disk I/O error)',
        'info ready ready: every check is up again',
      ]);
    });
  });

  describe('when every check passes', () => {
    it('answers 200 and tells nothing', async () => {
      const { res, body } = await probe();
      expect(res.status).toBe(200);
      expect(body).toMatchObject({ status: 'ok' });
      expect(lines).toEqual([]);
    });
  });
});
