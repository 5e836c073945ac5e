import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSUMER_PREFETCH, type ConsumeSpec } from '../../libs/messaging';
import { loadConfig } from '../../libs/platform/config/config';
import { openInfrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { randomUUID } from 'node:crypto';
import { closeWithPublishHeld, holdPublishes } from '../../libs/testing/held-publishes';
import { startInvitations } from './start-invitations';

/** What each consumer of a started invitations service asked the broker for. */
async function consumersWith(env: Record<string, string>): Promise<ConsumeSpec[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'invitations-int-'));
  const infra = await openInfrastructure(
    loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }),
  );
  const consume = jest.spyOn(infra.broker, 'consume');
  const service = await startInvitations(infra, 0);
  try {
    return consume.mock.calls.map(([spec]: [ConsumeSpec]) => spec);
  } finally {
    await service.close();
    await infra.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('startInvitations consumers', () => {
  describe('when RABBITMQ_PREFETCH is not set', () => {
    it('take the transport default', async () => {
      const prefetches = (await consumersWith({})).map((c) => c.prefetch);
      expect(prefetches.length).toBeGreaterThan(0);
      expect(new Set(prefetches)).toEqual(new Set([CONSUMER_PREFETCH]));
    });
  });

  describe('when RABBITMQ_PREFETCH is set', () => {
    it('take that many unacked messages at most', async () => {
      const prefetches = (await consumersWith({ RABBITMQ_PREFETCH: '37' })).map((c) => c.prefetch);
      expect(prefetches.length).toBeGreaterThan(0);
      expect(new Set(prefetches)).toEqual(new Set([37]));
    });
  });

  describe('when MESSAGE_HANDLER_TIMEOUT_SECONDS is set', () => {
    it('give up on a handler after that long', async () => {
      const consumers = await consumersWith({ MESSAGE_HANDLER_TIMEOUT_SECONDS: '45' });
      expect(consumers.length).toBeGreaterThan(0);
      expect(new Set(consumers.map((c) => c.handlerTimeoutMs))).toEqual(new Set([45_000]));
    });
  });
});

describe('startInvitations', () => {
  describe('when it is stopped while its forwarder waits on a publish', () => {
    it('stops taking requests at once, not once the publish is answered', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'invitations-int-'));
      const infra = await openInfrastructure(
        loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
      );
      const service = await startInvitations(infra, 0);
      const publishes = holdPublishes(infra.broker);
      const invitationId = randomUUID();
      await infra.eventStore.append(
        `invitation-${invitationId}`,
        [
          {
            eventId: randomUUID(),
            type: 'InvitationSent',
            data: {
              invitationId,
              vendorId: randomUUID(),
              email: 'ann@example.com',
              expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
            },
            metadata: {
              correlationId: randomUUID(),
              causationId: randomUUID(),
              actor: 'service:test',
              occurredAt: new Date().toISOString(),
            },
          },
        ],
        'no_stream',
      );
      try {
        await closeWithPublishHeld(service, publishes);
      } finally {
        await infra.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});
