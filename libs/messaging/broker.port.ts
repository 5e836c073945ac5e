import type { CloudEvent } from '../contracts';

/**
 * The message broker port (design section 4). Delivery is at-least-once:
 * handlers must be idempotent. Every message ends acked, retried with delay
 * or in the dead-letter queue `<queue>.dlq`; none is dropped or requeued forever.
 */

/** Header carrying why a message was dead-lettered. */
export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason';
/** Header counting handler failures so far; absent on the first delivery. */
export const RETRY_COUNT_HEADER = 'x-retry-count';

export type MessageHeaders = Record<string, unknown>;

/** What a handler learns about the delivery beyond the event itself. */
export interface DeliveryInfo {
  queue: string;
  routingKey: string;
  /** Handler failures before this delivery: 0 on the first, up to `maxRetries`. */
  attempt: number;
  /** The broker delivered this copy before (e.g. a consumer died mid-handling). */
  redelivered: boolean;
  messageId?: string;
  type?: string;
  correlationId?: string;
  contentType?: string;
  headers: MessageHeaders;
}

export interface ConsumeSpec {
  /** Durable queue, by convention `<service>.<type>`. */
  queue: string;
  /** Topic binding keys on the platform exchange (`*` one word, `#` zero or more). */
  bindingKeys: string[];
  /** Most messages handled at once by this consumer. */
  prefetch: number;
  /** Handler failures retried before the message is dead-lettered. */
  maxRetries: number;
  /** Delay before the first retry; doubles on each further one. */
  retryDelayMs: number;
  handle: (event: CloudEvent, info: DeliveryInfo) => Promise<void>;
  /**
   * Checks beyond the CloudEvents envelope (always checked), e.g. the `data`
   * schema. Returns the reason a message is invalid, or null when it is valid.
   */
  validate?: (body: unknown) => string | null;
  /** Bodies larger than this are dead-lettered without being parsed; 1 MiB by default. */
  maxBodyBytes?: number;
  /**
   * A handler still running after this long counts as failed: its message is
   * retried, then dead-lettered, and its prefetch slot freed. 30 s by default.
   */
  handlerTimeoutMs?: number;
}

export interface ConsumerHandle {
  readonly queue: string;
  /** Stops new deliveries and resolves once in-flight handlers have settled. */
  cancel(): Promise<void>;
}

export interface DeadLetter {
  /** The original body, byte for byte (as UTF-8 text). */
  body: string;
  reason: string;
  messageId?: string;
  type?: string;
  headers: MessageHeaders;
}

/** What a retry or discard of dead letters did. */
export interface DeadLettersSettled {
  /** Messages moved or removed: every copy of a chosen id counts (at-least-once can make two). */
  settled: number;
  /** The chosen ids no dead letter had, each once. */
  notFound: string[];
}

/** What settling dead letters with these message ids did, when `chosen` (or every one) was asked for. */
export function deadLettersSettled(
  settledIds: readonly (string | undefined)[],
  chosen: readonly string[] | undefined,
): DeadLettersSettled {
  const found = new Set(settledIds);
  const notFound = [...new Set(chosen ?? [])].filter((id) => !found.has(id));
  return { settled: settledIds.length, notFound };
}

export interface Broker {
  /** Resolves once every event is confirmed by the broker; rejects if any is nacked or unroutable. */
  publish(events: CloudEvent[]): Promise<void>;
  /** Declares the queue, its bindings, retry and dead-letter queues, then starts consuming. */
  consume(spec: ConsumeSpec): Promise<ConsumerHandle>;
  /** The messages in `<queue>.dlq`, oldest first, left in place. */
  deadLetters(queue: string): Promise<DeadLetter[]>;
  /**
   * Moves messages of `<queue>.dlq` back to `queue` with a fresh retry budget:
   * every one, or those whose message id is in `messageIds`.
   */
  retryDeadLetters(queue: string, messageIds?: readonly string[]): Promise<DeadLettersSettled>;
  /**
   * Removes messages of `<queue>.dlq` for good: every one, or those whose
   * message id is in `messageIds`.
   */
  discardDeadLetters(queue: string, messageIds?: readonly string[]): Promise<DeadLettersSettled>;
  isHealthy(): boolean;
  /** Cancels consumers (waiting for in-flight handlers) and disconnects. */
  close(): Promise<void>;
}

/** No queue is bound to the routing key of one or more published events. */
export class UnroutableError extends Error {
  constructor(readonly types: string[]) {
    super(`no queue bound for ${types.join(', ')}`);
    this.name = 'UnroutableError';
  }
}

/** The broker refused (nacked) one or more published messages. */
export class PublishRejectedError extends Error {
  constructor(readonly ids: string[]) {
    super(`broker rejected messages ${ids.join(', ')}`);
    this.name = 'PublishRejectedError';
  }
}

/** An operation named a queue the broker does not have. */
export class QueueNotFoundError extends Error {
  constructor(readonly queue: string) {
    super(`queue ${queue} does not exist`);
    this.name = 'QueueNotFoundError';
  }
}

/** Queue names derived from a consumer queue. */
export const deadLetterQueue = (queue: string) => `${queue}.dlq`;
/**
 * Where a retry waits `delayMs` before going back to `queue`: one queue per
 * delay, so every message in it waits the same time and leaves in order.
 */
export const retryQueue = (queue: string, delayMs: number) => `${queue}.retry.${delayMs}ms`;
