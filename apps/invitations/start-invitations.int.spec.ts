import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSUMER_PREFETCH, type ConsumeSpec } from '../../libs/messaging';
import { loadConfig } from '../../libs/platform/config/config';
import {
  openInfrastructure,
  type Infrastructure,
} from '../../libs/platform/infrastructure/infrastructure';
import { closeWithPublishHeld, holdPublishes } from '../../libs/testing/held-publishes';
import { waitFor } from '../../libs/testing/wait-for';
import { startInvitations } from './start-invitations';

/** Infrastructure on the embedded defaults in a fresh directory, removed when `use` is done. */
async function withInfrastructure<T>(
  env: Record<string, string>,
  use: (infra: Infrastructure) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'invitations-int-'));
  const infra = await openInfrastructure(
    loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }),
  );
  try {
    return await use(infra);
  } finally {
    await infra.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What each consumer of a started invitations service asked the broker for. */
const consumersWith = (env: Record<string, string>) =>
  withInfrastructure(env, async (infra) => {
    const consume = jest.spyOn(infra.broker, 'consume');
    const service = await startInvitations(infra, 0);
    await service.close();
    return consume.mock.calls.map(([spec]: [ConsumeSpec]) => spec);
  });

/** Records an invitation sent to expire at `expiresAt`, as the service would; its id. */
async function recordSent(infra: Infrastructure, expiresAt: Date): Promise<string> {
  const invitationId = randomUUID();
  const occurredAt = new Date(expiresAt.getTime() - 86_400_000).toISOString();
  await infra.eventStore.append(
    `invitation-${invitationId}`,
    [
      {
        eventId: randomUUID(),
        type: 'InvitationSent',
        data: {
          invitationId,
          vendorId: randomUUID(),
          invitedBy: randomUUID(),
          email: 'ann@example.com',
          firstName: 'Ann',
          lastName: 'Lee',
          tokenHash: 'a'.repeat(64),
          expiresAt: expiresAt.toISOString(),
        },
        metadata: {
          correlationId: randomUUID(),
          causationId: randomUUID(),
          actor: 'service:test',
          occurredAt,
        },
      },
    ],
    'no_stream',
  );
  return invitationId;
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

  describe('when a handler fails', () => {
    it('retry it 5 times, after 1 s doubling, as the README says, before dead-lettering', async () => {
      const consumers = await consumersWith({});
      expect(consumers.length).toBeGreaterThan(0);
      const budgets = consumers.map((c) => `${c.maxRetries} retries from ${c.retryDelayMs} ms`);
      expect(new Set(budgets)).toEqual(new Set(['5 retries from 1000 ms']));
    });
  });
});

describe('startInvitations', () => {
  describe('when an invitation falls due while the service runs', () => {
    it('records its expiry on a later run of its own, with no one asking', async () => {
      await withInfrastructure({}, async (infra) => {
        const service = await startInvitations(infra, 0, { expiryIntervalMs: 50 });
        try {
          // Due only after the run at start: a later run of the scheduler must record it.
          const invitationId = await recordSent(infra, new Date(Date.now() + 300));
          await waitFor(
            async () =>
              (await infra.eventStore.readStream(`invitation-${invitationId}`)).some(
                (e) => e.type === 'InvitationExpired',
              ),
            { message: 'the scheduler to record InvitationExpired' },
          );
        } finally {
          await service.close();
        }
      });
    });
  });

  describe('when it is stopped while its forwarder waits on a publish', () => {
    it('stops taking requests at once, not once the publish is answered', async () => {
      await withInfrastructure({}, async (infra) => {
        const service = await startInvitations(infra, 0);
        const publishes = holdPublishes(infra.broker);
        await recordSent(infra, new Date(Date.now() + 86_400_000));
        await closeWithPublishHeld(service, publishes);
      });
    });
  });
});
