import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdentity } from '../../../apps/identity/start-identity';
import { startInvitations } from '../../../apps/invitations/start-invitations';
import { loadConfig } from '../config/config';
import { openInfrastructure, type Infrastructure } from './infrastructure';
import type { RunningService } from './run-services';

describe('readiness of identity and invitations', () => {
  let dataDir: string;
  let infra: Infrastructure;
  let services: RunningService[];
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'readiness-'));
    infra = await openInfrastructure(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
    services = [await startInvitations(infra, 0), await startIdentity(infra, 0)];
  });
  afterEach(async () => {
    for (const service of services.reverse()) await service.close();
    await infra.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ready = (service: RunningService) =>
    fetch(`${service.url}/ready`).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as unknown,
    }));

  describe('when /metrics is scraped', () => {
    it('shows the broker connected, the embedded one here', async () => {
      const text = await fetch(`${services[1].url}/metrics`).then((res) => res.text());
      expect(text).toContain('broker_connected{broker="embedded"} 1');
    });
  });

  describe('when the rate-limit store reads but no longer writes', () => {
    it('answer /ready with 503 naming it, and 200 again once it writes', async () => {
      const take = jest
        .spyOn(infra.readModels.rateLimits, 'take')
        .mockRejectedValue(new Error('attempt to write a readonly database'));
      for (const service of services) {
        const { status, body } = await ready(service);
        expect(status).toBe(503);
        expect(body).toMatchObject({
          code: 'not_ready',
          detail: 'Not ready: rateLimits (attempt to write a readonly database)',
          checks: { rateLimits: { status: 'down' }, coordination: { status: 'up' } },
        });
      }
      take.mockRestore();
      for (const service of services) expect((await ready(service)).status).toBe(200);
    });
  });

  describe('when the rate-limit store fails', () => {
    it('answer /ready with 503 naming it, as their commands answer 503', async () => {
      for (const service of services) expect((await ready(service)).status).toBe(200);
      (infra.readModels.rateLimits as unknown as { close(): void }).close();

      for (const service of services) {
        const { status, body } = await ready(service);
        expect(status).toBe(503);
        expect(body).toMatchObject({
          code: 'not_ready',
          checks: { rateLimits: { status: 'down' }, coordination: { status: 'up' } },
        });
      }
      const login = await fetch(`${services[1].url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ann@example.com', password: 'correct horse battery' }),
      });
      expect(login.status).toBe(503);
      expect(await login.json()).toMatchObject({ code: 'rate_limits_unavailable' });
    });
  });
});
