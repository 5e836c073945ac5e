import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '../../contracts';
import type { Broker, ConsumeSpec, DeliveryInfo } from '../broker.port';

export interface BrokerHarness {
  broker: Broker;
  /** Publishes bytes as they are to the platform exchange: poison messages. */
  publishRaw(routingKey: string, body: string): Promise<void>;
  /** Deletes the queue with the retry and dead-letter queues its consumer declared. */
  deleteQueue(
    queue: string,
    retry: Pick<ConsumeSpec, 'maxRetries' | 'retryDelayMs'>,
  ): Promise<void>;
  close(): Promise<void>;
}

export function cloudEvent(type: string, data: Record<string, unknown> = {}): CloudEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/contract-test',
    type,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    subject: 'subject-1',
    correlationid: randomUUID(),
    data,
  };
}

export interface Received {
  event: CloudEvent;
  info: DeliveryInfo;
  at: number;
}
