import { connect } from 'amqplib';
import type { ConsumeSpec } from '../broker.port';
import { consumerQueues } from '../delivery';

/** Deletes a consumer's queues, its retry and dead-letter ones too, over a connection of its own. */
export async function deleteConsumerQueues(
  url: string,
  queue: string,
  spec: Pick<ConsumeSpec, 'maxRetries' | 'retryDelayMs'>,
): Promise<void> {
  const admin = await connect(url);
  try {
    const channel = await admin.createChannel();
    for (const q of consumerQueues(queue, spec)) await channel.deleteQueue(q);
  } finally {
    await admin.close();
  }
}
