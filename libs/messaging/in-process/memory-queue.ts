import { randomUUID } from 'node:crypto';
import {
  DEAD_LETTER_REASON_HEADER,
  RETRY_COUNT_HEADER,
  type ConsumeSpec,
  type ConsumerHandle,
  type DeliveryInfo,
  type MessageHeaders,
} from '../broker.port';
import { attemptOf, countSettled, processDelivery, type Outcome } from '../delivery';
import { LingeringHandlers, stopLingering } from '../lingering-handlers';
import type { PlainMessage } from '../message-properties';

/**
 * A message as the in-process broker holds it: raw bytes plus AMQP-like
 * properties, and the receipt its publisher waits on until the message is
 * acked or dead-lettered.
 */
export interface StoredMessage extends PlainMessage {
  receipt?: () => void;
}

export interface MemoryQueue {
  name: string;
  bindingKeys: Set<string>;
  ready: StoredMessage[];
  consumers: MemoryConsumer[];
}

/** Where a consumer sends what it cannot ack: the broker owns queues and timers. */
export interface Outlet {
  deadLetter(queue: MemoryQueue, message: StoredMessage): void;
  retryLater(queue: MemoryQueue, message: StoredMessage, delayMs: number): void;
  log(message: string): void;
}

export const withHeaders = (message: StoredMessage, headers: MessageHeaders): StoredMessage => ({
  ...message,
  headers: { ...message.headers, ...headers },
});

/** One consumer on an in-memory queue: at most `prefetch` handlers at once. */
export class MemoryConsumer implements ConsumerHandle {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly lingering = new LingeringHandlers();
  private cancelled = false;

  constructor(
    private readonly q: MemoryQueue,
    private readonly spec: ConsumeSpec,
    private readonly outlet: Outlet,
    private readonly onSettled: () => void,
  ) {}

  get queue(): string {
    return this.q.name;
  }

  hasRoom(): boolean {
    return !this.cancelled && this.inFlight.size < this.spec.prefetch;
  }

  deliver(message: StoredMessage): void {
    const work = this.process(message).finally(() => {
      this.inFlight.delete(work);
      this.onSettled();
    });
    this.inFlight.add(work);
  }

  async cancel(): Promise<void> {
    const since = Date.now();
    this.cancelled = true;
    this.q.consumers = this.q.consumers.filter((c) => c !== this);
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    await stopLingering(this.lingering, this.spec, this.outlet.log, since);
  }

  private async process(message: StoredMessage): Promise<void> {
    // Start on a later tick, so a handler never runs inside the publisher's call.
    await Promise.resolve();
    const info: DeliveryInfo = {
      queue: this.q.name,
      routingKey: message.routingKey,
      attempt: attemptOf(message.headers, RETRY_COUNT_HEADER),
      redelivered: false,
      messageId: message.messageId,
      type: message.type,
      correlationId: message.correlationId,
      contentType: message.contentType,
      headers: { ...message.headers },
    };
    const { spec, outlet, lingering } = this;
    this.settle(
      message,
      await processDelivery(message.content, info, spec, outlet.log, lingering.add),
    );
  }

  private settle(message: StoredMessage, outcome: Outcome): void {
    countSettled(this.q.name, outcome);
    if (outcome.action === 'ack') return message.receipt?.();
    if (outcome.action === 'retry') {
      const next = withHeaders(message, { [RETRY_COUNT_HEADER]: outcome.attempt });
      this.outlet.retryLater(this.q, next, outcome.delayMs);
      return;
    }
    const dead = withHeaders(message, { [DEAD_LETTER_REASON_HEADER]: outcome.reason });
    const messageId = outcome.messageId ?? randomUUID(); // every dead letter can be named
    this.outlet.deadLetter(this.q, { ...dead, messageId });
  }
}
