import type { CloudEvent } from '../contracts';
import { backoffMs } from '../platform/retry/backoff';
import { deadLetterQueue, retryQueue, type ConsumeSpec, type DeliveryInfo } from './broker.port';
import { validateEnvelope } from './validation';
import { amqpShortString } from './message-properties';
import { errorMessage } from '../platform/errors/error-message';
import { withTimeout } from '../platform/async/with-timeout';
import { utf8Text } from '../platform/text/utf8';
import { metrics } from '../platform/observability/metrics';

/** What an adapter must do with a delivered message; shared so both adapters behave alike. */
export type Outcome =
  | { action: 'ack' }
  | { action: 'retry'; attempt: number; delayMs: number; reason: string }
  /**
   * `messageId`: what ops name the dead letter by (`dlq retry|discard --id`): its message id,
   * or else its CloudEvents id, as the contract makes them equal; absent when it has neither.
   */
  | { action: 'dead-letter'; reason: string; messageId?: string };

const MAX_REASON = 1000;
/**
 * Structured CloudEvents JSON is the contract; plain JSON is read the same way.
 * A message without a content-type is read as JSON too (tolerant reader); any
 * other declared type cannot be a structured CloudEvent.
 */
const ACCEPTED_CONTENT_TYPES = ['application/cloudevents+json', 'application/json'];
/**
 * Contract messages weigh a kilobyte or less. A body far beyond that is not
 * one, and parsing it would hold the consumer and its memory for nothing.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * A handler that has not settled by then is taken as hung (a store or network
 * call that never answers). Without a bound it would hold its message, and a
 * prefetch slot, until RabbitMQ's consumer timeout (30 minutes) closes the channel.
 */
export const DEFAULT_HANDLER_TIMEOUT_MS = 30_000;
/** Node fires a longer timer at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Exponential backoff stops growing here, so a large retry budget cannot park a message for days. */
const MAX_DELAY_MS = 60 * 60 * 1000;

const clip = (reason: string) =>
  reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;

export function retryDelay(baseMs: number, attempt: number): number {
  return backoffMs({ firstMs: baseMs, maxMs: MAX_DELAY_MS }, attempt);
}

/** The delays a consumer's retries can wait, one per attempt (fewer once the cap is reached). */
export function retryDelays(spec: Pick<ConsumeSpec, 'maxRetries' | 'retryDelayMs'>): number[] {
  const delays = Array.from({ length: spec.maxRetries }, (_, attempt) =>
    retryDelay(spec.retryDelayMs, attempt),
  );
  return [...new Set(delays)];
}

/** Every queue a consumer of `queue` declares: the queue, its dead letters and its retry queues. */
export function consumerQueues(
  queue: string,
  spec: Pick<ConsumeSpec, 'maxRetries' | 'retryDelayMs'>,
): string[] {
  return [
    queue,
    deadLetterQueue(queue),
    ...retryDelays(spec).map((delayMs) => retryQueue(queue, delayMs)),
  ];
}

const COUNTED_AS: Record<Outcome['action'], string> = {
  ack: 'handled',
  retry: 'retried',
  'dead-letter': 'dead_lettered',
};

/** Counts a message in `messages_total` once its outcome is settled (acked, or its copy sent). */
export function countSettled(queue: string, outcome: Outcome): void {
  metrics.messages.inc({ queue, outcome: COUNTED_AS[outcome.action] });
}

/**
 * Parses, validates and hands one message to the consumer's handler. Never
 * throws: every failure becomes a retry or a dead-letter outcome. A handler
 * given up on after its timeout goes on running: `onGivenUp` is told of it.
 */
export async function processDelivery(
  content: Buffer,
  info: DeliveryInfo,
  spec: ConsumeSpec,
  log: (message: string) => void = () => undefined,
  onGivenUp: (handled: Promise<unknown>) => void = () => undefined,
): Promise<Outcome> {
  const deadLetter = (reason: string, messageId = info.messageId): Outcome => ({
    action: 'dead-letter',
    reason: clip(reason),
    messageId,
  });
  const maxBodyBytes = spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (content.length > maxBodyBytes) {
    return deadLetter(
      `body too large: ${content.length} bytes, over the ${maxBodyBytes}-byte limit`,
    );
  }
  const contentType = info.contentType?.split(';')[0].trim().toLowerCase();
  if (contentType && !ACCEPTED_CONTENT_TYPES.includes(contentType)) {
    return deadLetter(`unsupported content-type: ${contentType}`);
  }
  const text = utf8Text(content);
  if (text === undefined) return deadLetter('invalid JSON: the body is not UTF-8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return deadLetter(`invalid JSON: ${errorMessage(error)}`);
  }
  // Dead letters are named by this id in an AMQP property, which holds 255 bytes at most.
  const messageId = info.messageId ?? amqpShortString(idOf(body));
  let invalid: string | null;
  try {
    invalid = validateEnvelope(body) ?? spec.validate?.(body) ?? null;
  } catch (error) {
    invalid = `validation failed: ${errorMessage(error)}`;
  }
  if (invalid) return deadLetter(invalid, messageId);

  const timeoutMs = spec.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS;
  try {
    // A handler that outlasts the timeout may still finish later; handlers are
    // idempotent, so the retry that follows finds its work done.
    const handled = spec.handle(body as CloudEvent, info);
    await withTimeout(handled, timeoutMs, () => {
      onGivenUp(handled);
      // Given up on, not stopped: a failure it meets later is still worth a line.
      handled.catch((error: unknown) =>
        log(
          `${info.queue}: a handler given up on after ${timeoutMs} ms failed later: ${errorMessage(error)}`,
        ),
      );
      return new Error(`timed out after ${timeoutMs} ms`);
    });
    return { action: 'ack' };
  } catch (error) {
    const reason = clip(`handler failed: ${errorMessage(error)}`);
    if (info.attempt >= spec.maxRetries) return deadLetter(reason, messageId);
    const delayMs = retryDelay(spec.retryDelayMs, info.attempt);
    return { action: 'retry', attempt: info.attempt + 1, delayMs, reason };
  }
}

const idOf = (body: unknown): string | undefined => {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

/** The retry count a message carries in its headers (0 when absent or garbled). */
export function attemptOf(headers: Record<string, unknown> | undefined, key: string): number {
  const n = Number(headers?.[key] ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** Rejects a consume spec that would misbehave silently (no deliveries, negative delays). */
export function checkSpec(spec: ConsumeSpec): void {
  const problems = [
    !spec.queue && 'queue is empty',
    !(Number.isInteger(spec.prefetch) && spec.prefetch >= 1) && 'prefetch must be an integer >= 1',
    !(Number.isInteger(spec.maxRetries) && spec.maxRetries >= 0) &&
      'maxRetries must be an integer >= 0',
    !(spec.retryDelayMs >= 0) && 'retryDelayMs must be >= 0',
    spec.maxBodyBytes !== undefined &&
      !(Number.isInteger(spec.maxBodyBytes) && spec.maxBodyBytes >= 1) &&
      'maxBodyBytes must be an integer >= 1',
    spec.handlerTimeoutMs !== undefined &&
      !(
        Number.isInteger(spec.handlerTimeoutMs) &&
        spec.handlerTimeoutMs >= 1 &&
        spec.handlerTimeoutMs <= MAX_TIMER_MS
      ) &&
      `handlerTimeoutMs must be an integer from 1 to ${MAX_TIMER_MS}`,
  ].filter(Boolean);
  if (problems.length) throw new RangeError(`consume ${spec.queue}: ${problems.join(', ')}`);
}
