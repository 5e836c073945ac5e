import { connect, type ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INVITATIONS_FORWARDER } from '../apps/invitations/publish-integration-events/to-integration-event';
import { startInvitations } from '../apps/invitations/start-invitations';
import { IntegrationEventTypes, PLATFORM_EXCHANGE, type CloudEvent } from '../libs/contracts';
import { CONSUMER_RETRY, consumerQueues } from '../libs/messaging';
import { loadConfig } from '../libs/platform/config/config';
import { openInfrastructure } from '../libs/platform/infrastructure/infrastructure';
import { waitFor } from '../libs/testing/wait-for';
import { brokerMeasured, brokerSince, cpuNow, cpuSince } from './cpu';
import {
  emailVerified,
  PREFETCH,
  publishAll,
  rabbitUrl,
  rawConsumeAndAck,
} from './email-verified.raw';
import { deferAcceptances } from './email-verified.setup';
import { startCountingConsumer } from './email-verified.transport';
import { onInterrupt } from './on-interrupt';
import { alternate, median, rate, ROUNDS, type Figure } from './harness';

const N = Number(process.env.BENCH_MESSAGES ?? 2000);
/** The run's own consumer queues, so nothing left on the broker by another run counts. */
const CONSUMER = `bench-invitations-${randomUUID().slice(0, 8)}`;
const QUEUE = `${CONSUMER}.${IntegrationEventTypes.emailVerified}`;

/**
 * EmailVerified messages/s turned into accepted invitations by the invitation
 * service, in rounds alternating with raw amqplib (each round its own messages).
 */
export async function benchEmailVerified(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ev-'));
  const amqp = await connect(rabbitUrl);
  const channel = await amqp.createConfirmChannel();
  await channel.assertExchange(PLATFORM_EXCHANGE, 'topic', { durable: true });
  const messages = () =>
    Array.from({ length: ROUNDS }, () =>
      Array.from({ length: N }, () => emailVerified(randomUUID())),
    );
  // First the transport alone, before the service's queue exists: nothing it is sent reaches the service.
  const shell = await benchCountingConsumer(channel, messages());
  const rounds = messages();

  const infra = await openInfrastructure(
    loadConfig({ DATA_DIR: dir, RABBITMQ_URL: rabbitUrl, LOG_LEVEL: 'warn' }),
    () => undefined,
  );
  await deferAcceptances(infra, rounds.flat());
  const service = await startInvitations(infra, 0, { consumerName: CONSUMER });
  const serviceQueues = consumerQueues(QUEUE, CONSUMER_RETRY);
  // The service first: its consumer would declare a deleted queue again.
  const cleaned = onInterrupt(async () => {
    await service.close();
    await deleteQueues(channel, serviceQueues);
  });
  const forwarded = (position: bigint) =>
    waitFor(
      async () =>
        (await infra.readModels.coordination.load(INVITATIONS_FORWARDER)).position >= position,
      { timeoutMs: 120_000, intervalMs: 20, message: 'forwarder caught up' },
    );
  // The outbox publishes the setup's events first; that backlog is not what is measured.
  const head = await infra.eventStore.headPosition();
  await forwarded(head);
  const cpu = { raw: [] as number[], ours: [] as number[] };
  const broker = { raw: [] as number[], ours: [] as number[] };
  const runs = await alternate(
    ROUNDS,
    async (round) => {
      const start = cpuNow();
      const perSecond = await rawConsumeAndAck(channel, rounds[round]);
      cpu.raw.push(cpuSince(start) / N);
      broker.raw.push(brokerSince(start) / N);
      return perSecond;
    },
    // The clock stops when the head has moved by the two events each message records (the
    // customer's verification, the acceptance): polling the head costs the service next to
    // nothing, where a counting subscription would read every event in its process.
    // The CPU count goes on until the forwarder has published the round's events, which also
    // keeps that tail out of the next raw round.
    async (round) => {
      const cpuStart = cpuNow();
      const start = await infra.eventStore.headPosition();
      const perSecond = await rate(N, async () => {
        await publishAll(channel, rounds[round]);
        await waitFor(
          async () => (await infra.eventStore.headPosition()) >= start + BigInt(2 * N),
          {
            timeoutMs: 300_000,
            intervalMs: 5,
            message: 'accepted invitations',
          },
        );
      });
      await forwarded(start + BigInt(2 * N));
      cpu.ours.push(cpuSince(cpuStart) / N);
      broker.ours.push(brokerSince(cpuStart) / N);
      return perSecond;
    },
    (perSecond) => perSecond,
  );
  const recorded = await infra.eventStore.readAll({ after: head, maxCount: 4 * N * ROUNDS });
  const accepted = recorded.filter((e) => e.type === 'InvitationAccepted').length;
  if (accepted !== N * ROUNDS || recorded.length !== 2 * N * ROUNDS) {
    throw new Error(
      `expected ${N * ROUNDS} acceptances in ${2 * N * ROUNDS} events, found ${accepted} in ${recorded.length}`,
    );
  }
  await service.close();
  await infra.close();
  await deleteQueues(channel, serviceQueues);
  cleaned();
  await amqp.close();
  rmSync(dir, { recursive: true, force: true });
  return [
    shell,
    {
      name: `EmailVerified → InvitationAccepted (${N} messages per round, prefetch ${PREFETCH})`,
      unit: 'msg/s',
      ours: median(runs.ours),
      baseline: median(runs.baseline),
      baselineName: 'raw amqplib consume + ack',
      target: 0.5,
      ratios: runs.ratios,
    },
    {
      name: `CPU per EmailVerified message: this process (publisher included)${brokerMeasured ? ' + RabbitMQ' : ', RabbitMQ not on this machine'}`,
      unit: 'µs',
      ours: median(cpu.ours),
      baseline: median(cpu.raw),
      baselineName: 'raw amqplib consume + ack',
      lowerIsBetter: true,
      ratios: cpu.ours.map((ours, i) => cpu.raw[i] / ours),
    },
    // The broker's share: both sides pay for the published, routed and persisted message, its
    // delivery and ack; ours also for the forwarder's publish of each acceptance.
    ...(brokerMeasured
      ? [
          {
            name: 'CPU per EmailVerified message: RabbitMQ alone',
            unit: 'µs',
            ours: median(broker.ours),
            baseline: median(broker.raw),
            baselineName: 'raw amqplib consume + ack',
            lowerIsBetter: true,
            ratios: broker.ours.map((ours, i) => broker.raw[i] / ours),
          },
        ]
      : []),
  ];
}

/** The same messages through the same transport, to a handler that only counts them. */
async function benchCountingConsumer(
  channel: ConfirmChannel,
  rounds: CloudEvent[][],
): Promise<Figure> {
  const consumer = await startCountingConsumer(
    rabbitUrl,
    `bench-counting-${randomUUID().slice(0, 8)}`,
  );
  const cleaned = onInterrupt(async () => {
    await consumer.close();
    await deleteQueues(channel, consumer.queues);
  });
  const runs = await alternate(
    ROUNDS,
    (round) => rawConsumeAndAck(channel, rounds[round]),
    async (round) => {
      const start = consumer.received();
      return rate(N, async () => {
        await publishAll(channel, rounds[round]);
        await waitFor(() => consumer.received() >= start + N, {
          timeoutMs: 120_000,
          intervalMs: 2,
          message: 'counted messages',
        });
      });
    },
    (perSecond) => perSecond,
  );
  await consumer.close();
  await deleteQueues(channel, consumer.queues);
  cleaned();
  return {
    name: `EmailVerified through the same transport to a handler that only counts (${N} messages per round)`,
    unit: 'msg/s',
    ours: median(runs.ours),
    baseline: median(runs.baseline),
    baselineName: 'raw amqplib consume + ack',
    ratios: runs.ratios,
  };
}

async function deleteQueues(channel: ConfirmChannel, queues: readonly string[]): Promise<void> {
  for (const q of queues) await channel.deleteQueue(q);
}
