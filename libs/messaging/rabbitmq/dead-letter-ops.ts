import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { ConfirmChannel, GetMessage } from 'amqplib';
import {
  DEAD_LETTER_REASON_HEADER,
  QueueNotFoundError,
  RETRY_COUNT_HEADER,
  deadLetterQueue,
  deadLettersSettled,
  type DeadLetter,
  type DeadLettersSettled,
  type MessageHeaders,
} from '../broker.port';
import {
  closedOrGone,
  confirmSend,
  copyOptions,
  DEATH_HISTORY_HEADERS,
  deliveryInfo,
  isNotFound,
} from './amqp-helpers';

/**
 * Ops on dead-letter queues, each on a short-lived channel of its own: a
 * missing queue closes the channel it is asked about, and that must not
 * disturb the publisher or the consumers.
 */
async function withChannel<T>(
  manager: AmqpConnectionManager,
  work: (channel: ConfirmChannel) => Promise<T>,
): Promise<T> {
  const connection = manager.connection;
  if (!connection) throw new Error('RabbitMQ is not connected');
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => undefined); // surfaced by the failing call instead
  try {
    return await work(channel);
  } finally {
    // Closing returns any message fetched but not acked to its queue; a connection that drops
    // before RabbitMQ answers the close would leave it unsettled for good.
    await closedOrGone(() => channel.close().catch(() => undefined), channel);
  }
}

async function messageCount(channel: ConfirmChannel, queue: string): Promise<number> {
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } catch (error) {
    throw isNotFound(error) ? new QueueNotFoundError(queue) : error;
  }
}

/** Fetches up to the count the queue had when asked, so messages arriving meanwhile do not loop us. */
async function* fetch(channel: ConfirmChannel, queue: string): AsyncGenerator<GetMessage> {
  const count = await messageCount(channel, queue);
  for (let i = 0; i < count; i++) {
    const message = await channel.get(queue, { noAck: false });
    if (!message) return;
    yield message;
  }
}

/**
 * Why a message was dead-lettered. The consumer says so in its header; a
 * message RabbitMQ dead-lettered itself (a quorum queue past its delivery
 * limit, as when a message keeps crashing its consumer) has only `x-death`,
 * whose first entry is the latest.
 */
export function deadLetterReason(headers: MessageHeaders): string {
  const own = headers[DEAD_LETTER_REASON_HEADER];
  if (own !== undefined) return String(own);
  const deaths = headers['x-death'];
  const latest: unknown = Array.isArray(deaths) ? deaths[0] : undefined;
  if (typeof latest !== 'object' || latest === null) return '';
  const { reason, queue } = latest as { reason?: unknown; queue?: unknown };
  return `dead-lettered by RabbitMQ from ${String(queue)}: ${String(reason)}`;
}

/** How long a call waits for the dead letters it took and left to be listed again. */
const RETURN_WAIT_MS = 2_000;

/**
 * Closing the channel returns the dead letters a call fetched and did not
 * settle; a quorum queue lists them again only a moment later. Waits (at most
 * RETURN_WAIT_MS) until the queue holds at least `expected` again, so a call
 * that follows at once does not miss them, as `dlq discard --all` after
 * `dlq retry --id` would.
 */
async function untilReturned(
  manager: AmqpConnectionManager,
  queue: string,
  expected: number,
): Promise<void> {
  const deadline = Date.now() + RETURN_WAIT_MS;
  while ((await withChannel(manager, (c) => messageCount(c, queue))) < expected) {
    if (Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function listDeadLetters(
  manager: AmqpConnectionManager,
  queue: string,
): Promise<DeadLetter[]> {
  const letters = await withChannel(manager, async (channel) => {
    const letters: DeadLetter[] = [];
    for await (const message of fetch(channel, deadLetterQueue(queue))) {
      const info = deliveryInfo(deadLetterQueue(queue), message);
      letters.push({
        body: message.content.toString('utf8'),
        reason: deadLetterReason(info.headers),
        messageId: info.messageId,
        type: info.type,
        headers: info.headers,
      });
    }
    return letters;
  });
  await untilReturned(manager, deadLetterQueue(queue), letters.length);
  return letters;
}

/**
 * Moves the chosen dead letters back to `queue` (`retry`) or drops them
 * (`discard`): every one, or those with the given message ids. The others
 * are left unacked, so closing the channel returns them to the dead-letter queue.
 */
export async function settleDeadLetters(
  manager: AmqpConnectionManager,
  queue: string,
  action: 'retry' | 'discard',
  messageIds?: readonly string[],
): Promise<DeadLettersSettled> {
  const chosen = messageIds && new Set(messageIds);
  const settledIds: (string | undefined)[] = [];
  let left = 0;
  await withChannel(manager, async (channel) => {
    await messageCount(channel, queue);
    for await (const message of fetch(channel, deadLetterQueue(queue))) {
      const id: unknown = message.properties.messageId;
      if (chosen && !(typeof id === 'string' && chosen.has(id))) {
        left += 1;
        continue;
      }
      if (action === 'retry') {
        const options = copyOptions(message.properties, {}, [
          DEAD_LETTER_REASON_HEADER,
          RETRY_COUNT_HEADER,
          ...DEATH_HISTORY_HEADERS,
        ]);
        await confirmSend(channel, queue, message.content, options);
      }
      channel.ack(message);
      settledIds.push(typeof id === 'string' ? id : undefined);
    }
  });
  if (left > 0) await untilReturned(manager, deadLetterQueue(queue), left);
  return deadLettersSettled(settledIds, messageIds);
}
