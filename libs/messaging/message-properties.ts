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
    messageId: event.id,
    type: event.type,
    correlationId: event.correlationid,
    contentType: CLOUDEVENTS_CONTENT_TYPE,
    timestamp: Math.floor((Number.isNaN(time) ? Date.now() : time) / 1000),
    headers: {},
  };
}
