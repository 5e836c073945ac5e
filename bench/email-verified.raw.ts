import { connect, type ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { IntegrationEventTypes, PLATFORM_EXCHANGE, type CloudEvent } from '../libs/contracts';
import { CONSUMER_PREFETCH } from '../libs/messaging';
import { waitFor } from '../libs/testing/wait-for';
import { rate } from './harness';
import { onInterrupt } from './on-interrupt';

export const PREFETCH = CONSUMER_PREFETCH; // the transport default the invitation service runs with
export const rabbitUrl = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A contract-conforming EmailVerified for `userId`, as any platform service would publish it. */
export function emailVerified(userId: string): CloudEvent {
  const now = new Date().toISOString();
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/bench',
    type: IntegrationEventTypes.emailVerified,
    time: now,
    datacontenttype: 'application/json',
    subject: userId,
    data: { userId, email: `${userId}@example.com`, verifiedAt: now },
  };
}

/** Publishes persistent messages as the contract says, and waits for the broker's confirms. */
export async function publishAll(
  channel: ConfirmChannel,
  events: CloudEvent[],
  routingKey: string = IntegrationEventTypes.emailVerified,
) {
  for (const e of events) {
    channel.publish(PLATFORM_EXCHANGE, routingKey, Buffer.from(JSON.stringify(e)), {
      persistent: true,
      messageId: e.id,
      type: e.type,
      contentType: 'application/cloudevents+json',
    });
  }
  await channel.waitForConfirms();
}

/** Raw amqplib: the same messages, published the same way, consumed and acked with the same prefetch. */
export async function rawConsumeAndAck(
  channel: ConfirmChannel,
  events: CloudEvent[],
): Promise<number> {
  const queue = `bench.raw.${randomUUID()}`;
  const key = `bench.raw.${randomUUID()}`;
  await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(queue, PLATFORM_EXCHANGE, key);
  const consumer = await connect(rabbitUrl);
  const cleaned = onInterrupt(async () => {
    await consumer.close();
    await channel.deleteQueue(queue);
  });
  const ch = await consumer.createChannel();
  await ch.prefetch(PREFETCH);
  let acked = 0;
  await ch.consume(queue, (m) => {
    if (!m) return;
    JSON.parse(m.content.toString());
    ch.ack(m);
    acked += 1;
  });
  const perSecond = await rate(events.length, async () => {
    await publishAll(channel, events, key);
    await waitFor(() => acked === events.length, {
      timeoutMs: 120_000,
      intervalMs: 2,
      message: 'raw acks',
    });
  });
  await consumer.close();
  await channel.deleteQueue(queue);
  cleaned();
  return perSecond;
}
