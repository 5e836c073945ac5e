import type { EventEmitter } from 'node:events';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type {
  Channel,
  ConfirmChannel,
  Message,
  MessageProperties,
  Options,
  ServerProperties,
} from 'amqplib';
import { PLATFORM_EXCHANGE } from '../../contracts';
import { randomUUID } from 'node:crypto';
import { withTimeout } from '../../platform/async/with-timeout';
import {
  QueueNotFoundError,
  RETRY_COUNT_HEADER,
  deadLetterQueue,
  retryQueue,
  type DeliveryInfo,
  type MessageHeaders,
} from '../broker.port';
import { attemptOf } from '../delivery';

/** Classic queues live on one node; quorum queues are replicated, for a RabbitMQ cluster. */
export type QueueType = 'classic' | 'quorum';

/** Times a dead letter may be listed before a quorum queue would give up on it: never, in practice. */
const DEAD_LETTER_DELIVERY_LIMIT = 1_000_000;

/**
 * Declares what a consumer needs, idempotently, on every (re)connect. Retry
 * queues have no consumer: a message waits out the queue's TTL, then RabbitMQ
 * dead-letters it back to the work queue. RabbitMQ expires messages only at a
 * queue's head, so each delay has its own queue: with one TTL per queue, no
 * retry waits behind a longer one.
 *
 * Quorum queues dead-letter at least once (a retry is never lost between its
 * queues), and the work queue dead-letters to `<queue>.dlq`, so a message
 * RabbitMQ gives up on (its delivery limit) is kept, not dropped.
 */
export async function declareTopology(
  channel: Channel,
  queue: string,
  bindingKeys: string[],
  retryDelays: number[],
  type: QueueType = 'classic',
): Promise<void> {
  const quorum = (args: Options.AssertQueue['arguments'] = {}) =>
    type === 'quorum' ? { arguments: { 'x-queue-type': 'quorum', ...args } } : {};
  const atLeastOnce = { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' };
  if (type === 'quorum') refuseBrokerBefore(QUORUM_NEEDS, channel.connection?.serverProperties);
  try {
    await channel.assertExchange(PLATFORM_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(queue, {
      durable: true,
      ...quorum({
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': deadLetterQueue(queue),
        ...atLeastOnce,
      }),
    });
    // Listing dead letters fetches and returns them, which a quorum queue counts as a failed
    // delivery; past its limit (20 by default on RabbitMQ 4) it would drop them.
    await channel.assertQueue(deadLetterQueue(queue), {
      durable: true,
      ...quorum({ 'x-delivery-limit': DEAD_LETTER_DELIVERY_LIMIT }),
    });
    for (const delayMs of retryDelays) {
      await channel.assertQueue(retryQueue(queue, delayMs), {
        durable: true,
        messageTtl: delayMs,
        deadLetterExchange: '',
        deadLetterRoutingKey: queue,
        ...quorum(atLeastOnce),
      });
    }
  } catch (error) {
    throw explainInequivalent(error, type);
  }
  for (const key of bindingKeys) await channel.bindQueue(queue, PLATFORM_EXCHANGE, key);
}

/**
 * Older brokers take `x-dead-letter-strategy` and ignore it: a retry could
 * then be lost between its queues, silently. A broker that names no version
 * is let through (it is not RabbitMQ, and quorum queues are RabbitMQ's).
 */
const QUORUM_NEEDS = [3, 10] as const;

function refuseBrokerBefore(
  [major, minor]: readonly [number, number],
  server: Partial<ServerProperties> | undefined,
): void {
  const found = /^(\d+)\.(\d+)/.exec(server?.version ?? '');
  if (!found) return;
  const [foundMajor, foundMinor] = [Number(found[1]), Number(found[2])];
  if (foundMajor > major || (foundMajor === major && foundMinor >= minor)) return;
  throw new Error(
    `RABBITMQ_QUEUE_TYPE=quorum needs RabbitMQ ${major}.${minor} or later, for at-least-once ` +
      `dead-lettering between a queue and its retry queues; this broker is ${server?.version}`,
  );
}

/** RabbitMQ's PRECONDITION_FAILED for a queue declared before with other arguments, with what to do. */
function explainInequivalent(error: unknown, type: QueueType): unknown {
  const message = error instanceof Error ? error.message : '';
  if (!/PRECONDITION_FAILED - inequivalent arg/.test(message)) return error;
  return new Error(
    `${message}. The queue was declared before with other arguments (RABBITMQ_QUEUE_TYPE=${type} now): ` +
      "a queue's type cannot change; drain and delete the consumer's queues to declare them anew, or keep the type they have",
    { cause: error },
  );
}

/** Marks each copy `confirmSend` sends, to tell its return from the others'. */
const MOVE_ID = 'x-move-id';
const returnedMoves = new WeakMap<Channel, Set<string>>();

/** The copies RabbitMQ returned on `channel`, by their MOVE_ID (one listener a channel). */
function returnsOn(channel: Channel): Set<string> {
  let returned = returnedMoves.get(channel);
  if (!returned) {
    const ids = (returned = new Set<string>());
    channel.on('return', (message: Message) => {
      const id: unknown = message.properties.headers?.[MOVE_ID];
      if (typeof id === 'string') ids.add(id);
    });
    returnedMoves.set(channel, returned);
  }
  return returned;
}

/** As long as a publish may wait for its confirm. */
export const MOVE_CONFIRM_TIMEOUT_MS = 30_000;

/**
 * Sends straight to a queue and resolves when the broker confirms it. Sent
 * `mandatory`: a queue that does not exist (deleted by hand) rejects with
 * QueueNotFoundError rather than the copy vanishing, since RabbitMQ returns
 * the copy before it confirms it. A confirm withheld (a quorum queue without
 * a majority, a connection blocked by an alarm) rejects after `timeoutMs`:
 * the message then goes back to its queue (a copy may be sent as well) where
 * it kept its prefetch slot, and a stop waited, until RabbitMQ's ack timeout.
 */
export function confirmSend(
  channel: ConfirmChannel,
  queue: string,
  content: Buffer,
  options: Options.Publish,
  timeoutMs = MOVE_CONFIRM_TIMEOUT_MS,
): Promise<void> {
  const returned = returnsOn(channel);
  const moveId = randomUUID();
  const marked = {
    ...options,
    mandatory: true,
    headers: { ...options.headers, [MOVE_ID]: moveId },
  };
  const confirmed = new Promise<void>((resolve, reject) => {
    try {
      channel.sendToQueue(queue, content, marked, (err) => {
        if (err) reject(err);
        else if (returned.delete(moveId)) reject(new QueueNotFoundError(queue));
        else resolve();
      });
    } catch (error) {
      reject(error); // the channel closed under us
    }
  });
  return withTimeout(
    confirmed,
    timeoutMs,
    () => new Error(`RabbitMQ did not confirm the copy to ${queue} within ${timeoutMs} ms`),
  );
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * Headers a copy may carry over. amqplib encodes a message's properties in
 * 64 KiB and refuses more only as it sends (see amqpShortString); RabbitMQ
 * delivers up to its frame size, so a message can arrive with more.
 */
const MAX_COPIED_HEADERS_BYTES = 48 * 1024;

/**
 * Deeper than any header a service sends. Headers nested thousands deep fit in
 * a frame, and were sized by recursion that overflowed the stack: the copy
 * could not be made, so the message came back for ever, never dead-lettered.
 */
const MAX_COPIED_HEADERS_DEPTH = 32;

/** About what `root` takes encoded in an AMQP field table (never less); too deep counts as too large. */
function amqpFieldBytes(root: unknown): number {
  let bytes = 0;
  const pending: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, depth } = next;
    if (depth > MAX_COPIED_HEADERS_DEPTH) return Infinity;
    if (typeof value === 'string') bytes += 5 + Buffer.byteLength(value);
    else if (Buffer.isBuffer(value)) bytes += 5 + value.length;
    else if (Array.isArray(value)) {
      bytes += 5;
      for (const item of value) pending.push({ value: item, depth: depth + 1 });
    } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      bytes += 5;
      for (const [key, item] of Object.entries(value)) {
        bytes += 1 + Buffer.byteLength(key);
        pending.push({ value: item, depth: depth + 1 });
      }
    } else bytes += 9; // a number, a timestamp, a boolean or void: a type octet and eight bytes at most
  }
  return bytes;
}

/**
 * RabbitMQ's record of where a message was dead-lettered from. Left off a copy sent on towards
 * the work queue: RabbitMQ 3 reads a published history as its own, takes a return to a queue
 * named in it for a loop, and drops the message unsaid.
 */
export const DEATH_HISTORY_HEADERS = [
  'x-death',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-first-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
  'x-last-death-exchange',
];

/**
 * The original message's properties for a copy, with headers changed and made
 * persistent. Original headers too large to send again are left out, and
 * `x-original-headers-dropped` says so.
 */
export function copyOptions(
  p: MessageProperties,
  headers: MessageHeaders,
  drop: string[] = [],
): Options.Publish {
  let merged: MessageHeaders = { ...(p.headers ?? {}), ...headers };
  [...drop, MOVE_ID].forEach((key) => delete merged[key]);
  if (amqpFieldBytes(merged) > MAX_COPIED_HEADERS_BYTES) {
    merged = { ...headers, 'x-original-headers-dropped': true };
    drop.forEach((key) => delete merged[key]);
  }
  return {
    contentType: text(p.contentType),
    contentEncoding: text(p.contentEncoding),
    messageId: text(p.messageId),
    correlationId: text(p.correlationId),
    type: text(p.type),
    timestamp: typeof p.timestamp === 'number' ? p.timestamp : undefined,
    appId: text(p.appId),
    headers: merged,
    persistent: true,
  };
}

export function deliveryInfo(queue: string, message: Message): DeliveryInfo {
  const p = message.properties;
  const headers: MessageHeaders = { ...(p.headers ?? {}) };
  return {
    queue,
    routingKey: message.fields.routingKey,
    attempt: attemptOf(headers, RETRY_COUNT_HEADER),
    redelivered: message.fields.redelivered,
    messageId: text(p.messageId),
    type: text(p.type),
    correlationId: text(p.correlationId),
    contentType: text(p.contentType),
    headers,
  };
}

/** amqplib reports a missing queue as a channel error with AMQP code 404. */
export const isNotFound = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 404;

/** amqplib's answer to a call on a connection that is closing, as a reconnect closes it. */
export const isConnectionClosing = (error: unknown) =>
  error instanceof Error && error.name === 'IllegalOperationError';

/**
 * Done once `close` settles or `closable` (a channel or connection) closes anyhow:
 * amqplib never settles a close whose connection drops before RabbitMQ answers it.
 */
export async function closedOrGone(
  close: () => Promise<unknown>,
  closable?: EventEmitter,
): Promise<void> {
  const gone = new Promise<void>((resolve) => closable?.once('close', () => resolve()));
  await Promise.race([close(), gone]);
}

/**
 * Drops the manager's connection and connects again. The manager's own
 * `reconnect` strips the connection's listeners and waits for RabbitMQ to
 * answer its close. If the socket dies first, amqplib emits an 'error' that
 * no one would hear, which would crash the process, and never settles the
 * close, so the manager would keep the dead connection for good, reporting
 * itself connected. So this hears that error, and once the old connection
 * has closed without the manager letting go of it, asks again: the closed
 * connection's close now fails at once, and the manager connects anew.
 */
export function forceReconnect(
  manager: Pick<AmqpConnectionManager, 'connection' | 'reconnect'>,
): void {
  const old = manager.connection;
  manager.reconnect();
  if (!old) return;
  old.on('error', () => undefined);
  // After the close settles the manager lets go within a few microtasks; a macrotask later it has.
  old.once('close', () =>
    setImmediate(() => {
      try {
        if (manager.connection === old) manager.reconnect();
      } catch {
        // Closed meanwhile: nothing to reconnect.
      }
    }),
  );
}

/** Closes a wrapper's channel, done once the close is answered or the channel is gone. */
export function closeWrapper(wrapper: ChannelWrapper, channel?: Channel): Promise<void> {
  return closedOrGone(() => wrapper.close().catch(() => undefined), channel);
}
