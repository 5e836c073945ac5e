import type { CloudEvent } from '../../contracts';
import {
  DEAD_LETTER_REASON_HEADER,
  QueueNotFoundError,
  RETRY_COUNT_HEADER,
  UnroutableError,
  deadLetterQueue,
  type Broker,
  type ConsumeSpec,
  type ConsumerHandle,
  type DeadLetter,
  deadLettersSettled,
  type DeadLettersSettled,
} from '../broker.port';
import { checkSpec } from '../delivery';
import { cloudEventMessage } from '../message-properties';
import { MemoryConsumer, type MemoryQueue, type Outlet, type StoredMessage } from './memory-queue';
import { topicMatches } from './topic-match';
import { metrics } from '../../platform/observability/metrics';

export interface InProcessBrokerOptions {
  log?: (message: string) => void;
  /** Dead letters kept per queue; past it the oldest is dropped (memory is all they have). */
  deadLetterLimit?: number;
}

export const IN_PROCESS_DEAD_LETTER_LIMIT = 10_000;

/**
 * The embedded broker: the same topic routing, retries and dead-lettering as
 * the RabbitMQ adapter, held in memory. Memory does not survive the process,
 * so a publish is confirmed only once every copy is acked or dead-lettered:
 * until then the forwarder keeps its checkpoint before the event, and a crash
 * or shutdown in between publishes it again (at-least-once, as on RabbitMQ).
 * Dead letters themselves do not survive the process.
 */
export class InProcessBroker implements Broker {
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Publishes waiting for their copies to settle, failed if the broker closes first. */
  private readonly unsettled = new Set<(error: Error) => void>();
  private readonly log: (message: string) => void;
  private closed = false;

  private readonly outlet: Outlet = {
    log: (message) => this.log(message),
    deadLetter: (queue, message) => {
      this.log(
        `${queue.name}: dead-lettered ${message.messageId}: ${String(message.headers[DEAD_LETTER_REASON_HEADER])}`,
      );
      const { receipt, ...dead } = message;
      const dlq = this.declare(deadLetterQueue(queue.name));
      this.enqueue(dlq, dead);
      receipt?.();
      // Nothing outside this process can list or drain them, and a restart loses them anyway.
      if (dlq.ready.length > this.deadLetterLimit) {
        const dropped = dlq.ready.shift()!;
        this.log(
          `${queue.name}: dropped dead letter ${dropped.messageId}, the oldest of more than ${this.deadLetterLimit} kept in memory`,
        );
        metrics.messages.inc({ queue: queue.name, outcome: 'dead_letter_dropped' });
      }
    },
    retryLater: (queue, message, delayMs) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const target = this.queues.get(queue.name);
        if (target) this.enqueue(target, message);
        else message.receipt?.(); // its queue was deleted meanwhile, with what it held
      }, delayMs);
      this.timers.add(timer);
    },
  };

  private readonly deadLetterLimit: number;

  constructor(options: InProcessBrokerOptions = {}) {
    this.log = options.log ?? ((m) => console.warn(m));
    this.deadLetterLimit = options.deadLetterLimit ?? IN_PROCESS_DEAD_LETTER_LIMIT;
  }

  /** Resolves once every copy is acked or dead-lettered; unroutable events reject after that. */
  async publish(events: CloudEvent[]): Promise<void> {
    this.assertOpen();
    const unroutable: string[] = [];
    const settled = events.flatMap((e) => {
      const copies = this.route(cloudEventMessage(e));
      if (!copies.length) unroutable.push(e.type);
      return copies;
    });
    await Promise.all(settled);
    if (unroutable.length) throw new UnroutableError(unroutable);
  }

  /** Publishes bytes as they are, bypassing serialisation: how tests inject poison messages. */
  async publishRaw(routingKey: string, content: Buffer | string): Promise<void> {
    this.assertOpen();
    const copies = this.route({ routingKey, content: Buffer.from(content), headers: {} });
    if (!copies.length) throw new UnroutableError([routingKey]);
    await Promise.all(copies);
  }

  async consume(spec: ConsumeSpec): Promise<ConsumerHandle> {
    this.assertOpen();
    checkSpec(spec);
    const queue = this.declare(spec.queue);
    spec.bindingKeys.forEach((k) => queue.bindingKeys.add(k));
    this.declare(deadLetterQueue(spec.queue));
    const consumer = new MemoryConsumer(queue, spec, this.outlet, () => this.pump(queue));
    queue.consumers.push(consumer);
    this.pump(queue);
    return consumer;
  }

  async deadLetters(queue: string): Promise<DeadLetter[]> {
    return this.existing(deadLetterQueue(queue)).ready.map((m) => ({
      body: m.content.toString('utf8'),
      reason: String(m.headers[DEAD_LETTER_REASON_HEADER] ?? ''),
      messageId: m.messageId,
      type: m.type,
      headers: { ...m.headers },
    }));
  }

  async retryDeadLetters(
    queue: string,
    messageIds?: readonly string[],
  ): Promise<DeadLettersSettled> {
    const target = this.existing(queue);
    const moved = this.takeDeadLetters(queue, messageIds);
    for (const message of moved) {
      const headers = { ...message.headers };
      delete headers[DEAD_LETTER_REASON_HEADER];
      delete headers[RETRY_COUNT_HEADER];
      this.enqueue(target, { ...message, headers });
    }
    return deadLettersSettled(
      moved.map((m) => m.messageId),
      messageIds,
    );
  }

  async discardDeadLetters(
    queue: string,
    messageIds?: readonly string[],
  ): Promise<DeadLettersSettled> {
    this.existing(queue);
    const discarded = this.takeDeadLetters(queue, messageIds);
    return deadLettersSettled(
      discarded.map((m) => m.messageId),
      messageIds,
    );
  }

  /** Removes and returns the chosen dead letters: all, or those with the given ids. */
  private takeDeadLetters(queue: string, messageIds?: readonly string[]): StoredMessage[] {
    const dlq = this.existing(deadLetterQueue(queue));
    if (!messageIds) return dlq.ready.splice(0);
    const chosen = new Set(messageIds);
    const [taken, kept]: StoredMessage[][] = [[], []];
    for (const m of dlq.ready) (m.messageId && chosen.has(m.messageId) ? taken : kept).push(m);
    dlq.ready = kept;
    return taken;
  }

  /** Drops a queue and its dead-letter queue with their messages (tests and ops). */
  async deleteQueue(queue: string): Promise<void> {
    for (const name of [queue, deadLetterQueue(queue)]) {
      const q = this.queues.get(name);
      this.queues.delete(name);
      q?.ready.splice(0).forEach((m) => m.receipt?.());
      await Promise.all(q?.consumers.map((c) => c.cancel()) ?? []);
    }
  }

  isHealthy(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const consumers = [...this.queues.values()].flatMap((q) => q.consumers);
    await Promise.all(consumers.map((c) => c.cancel()));
    this.timers.forEach(clearTimeout);
    this.timers.clear();
    this.queues.clear();
    const closed = new Error('broker closed before the message was handled');
    this.unsettled.forEach((fail) => fail(closed));
  }

  /** Puts a copy in every bound queue; each promise settles with its copy. */
  private route(message: StoredMessage): Promise<void>[] {
    const targets = [...this.queues.values()].filter((q) =>
      [...q.bindingKeys].some((k) => topicMatches(k, message.routingKey)),
    );
    return targets.map(
      (q) =>
        new Promise<void>((resolve, reject) => {
          const fail = (error: Error) => {
            this.unsettled.delete(fail);
            reject(error);
          };
          this.unsettled.add(fail);
          const receipt = () => {
            this.unsettled.delete(fail);
            resolve();
          };
          this.enqueue(q, { ...message, receipt });
        }),
    );
  }

  private enqueue(queue: MemoryQueue, message: StoredMessage): void {
    queue.ready.push(message);
    this.pump(queue);
  }

  /** Hands ready messages to consumers with room, round robin. */
  private pump(queue: MemoryQueue): void {
    while (queue.ready.length) {
      const i = queue.consumers.findIndex((c) => c.hasRoom());
      if (i < 0) return;
      const [consumer] = queue.consumers.splice(i, 1);
      queue.consumers.push(consumer);
      consumer.deliver(queue.ready.shift() as StoredMessage);
    }
  }

  private declare(name: string): MemoryQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { name, bindingKeys: new Set(), ready: [], consumers: [] };
      this.queues.set(name, queue);
    }
    return queue;
  }

  private existing(name: string): MemoryQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new QueueNotFoundError(name);
    return queue;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('broker is closed');
  }
}
