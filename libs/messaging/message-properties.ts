import { createHash } from 'node:crypto';
import { CLOUDEVENTS_CONTENT_TYPE, type CloudEvent } from '../contracts';
import type { MessageHeaders } from './broker.port';

/** A message with the AMQP properties the contract fixes (design section 4). */
export interface PlainMessage {
  routingKey: string;
  content: Buffer;
  messageId?: string;
  type?: string;
  correlationId?: string;
  contentType?: string;
  /** Seconds since the epoch, as AMQP defines it. */
  timestamp?: number;
  headers: MessageHeaders;
}

/** The most an AMQP short string (`messageId`, `correlationId`, `type`) holds, in UTF-8 bytes. */
export const AMQP_SHORT_STRING_BYTES = 255;

/**
 * A value fit for an AMQP short-string property: itself when it fits, else
 * `sha256:` and its digest. CloudEvents puts no limit on an id, but amqplib
 * refuses a longer property only as it sends, after it has queued the
 * confirm callback, which then answers for the next message instead.
 */
export function amqpShortString(value: string): string;
export function amqpShortString(value: string | undefined): string | undefined;
export function amqpShortString(value: string | undefined): string | undefined {
  if (value === undefined || Buffer.byteLength(value) <= AMQP_SHORT_STRING_BYTES) return value;
  return `sha256:${createHash('sha256').update(value).digest('hex')}`;
}

/**
 * Structured-mode CloudEvent: the routing key and AMQP `type` are the event
 * type, `messageId` its id. The timestamp is the event's own time, so a
 * re-published duplicate is identical to the first copy.
 */
export function cloudEventMessage(event: CloudEvent): PlainMessage {
  const time = Date.parse(event.time);
  return {
    routingKey: event.type,
    content: Buffer.from(JSON.stringify(event)),
    messageId: amqpShortString(event.id),
    type: event.type,
    correlationId: amqpShortString(event.correlationid),
    contentType: CLOUDEVENTS_CONTENT_TYPE,
    timestamp: Math.floor((Number.isNaN(time) ? Date.now() : time) / 1000),
    headers: {},
  };
}
