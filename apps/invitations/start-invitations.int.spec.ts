import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSUMER_PREFETCH, type ConsumeSpec } from '../../libs/messaging';
import { loadConfig } from '../../libs/platform/config/config';
import { openInfrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { startInvitations } from './start-invitations';

/** The prefetch each consumer of a started invitations service asked the broker for. */
async function prefetchesWith(env: Record<string, string>): Promise<number[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'invitations-int-'));
  const infra = await openInfrastructure(
    loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }),
  );
  const consume = jest.spyOn(infra.broker, 'consume');
  const service = await startInvitations(infra, 0);
  try {
    return consume.mock.calls.map(([spec]: [ConsumeSpec]) => spec.prefetch);
  } finally {
    await service.close();
    await infra.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('startInvitations consumers', () => {
  describe('when RABBITMQ_PREFETCH is not set', () => {
    it('take the transport default', async () => {
      const prefetches = await prefetchesWith({});
      expect(prefetches.length).toBeGreaterThan(0);
      expect(new Set(prefetches)).toEqual(new Set([CONSUMER_PREFETCH]));
    });
  });

  describe('when RABBITMQ_PREFETCH is set', () => {
    it('take that many unacked messages at most', async () => {
      const prefetches = await prefetchesWith({ RABBITMQ_PREFETCH: '37' });
      expect(prefetches.length).toBeGreaterThan(0);
      expect(new Set(prefetches)).toEqual(new Set([37]));
    });
  });
});
