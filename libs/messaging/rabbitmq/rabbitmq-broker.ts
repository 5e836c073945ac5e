import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Message } from 'amqplib';
import { PLATFORM_EXCHANGE, type CloudEvent } from '../../contracts';
import { redactCredentials } from '../../platform/config/config-error';
import {
  PublishRejectedError,
  UnroutableError,
  type Broker,
  type ConsumeSpec,
  type ConsumerHandle,
  type DeadLetter,
  type DeadLettersSettled,
} from '../broker.port';
import { checkSpec } from '../delivery';
import { errorMessage } from '../../platform/errors/error-message';
import { withTimeout } from '../../platform/async/with-timeout';
import { amqpShortString, cloudEventMessage } from '../message-properties';
import {
  closedOrGone,
  closeWrapper,
  forceReconnect,
  isConnectionClosing,
  type QueueType,
} from './amqp-helpers';
import { CopyChannel } from './copy-channel';
import { listDeadLetters, settleDeadLetters } from './dead-letter-ops';
import {
  openConnection,
  type ConnectionSettings,
  type OutageNotes,
  type RoleConnection,
} from './rabbitmq-connection';
import { RabbitMqConsumer } from './rabbitmq-consumer';

export interface RabbitMqBrokerOptions {
  log?: (message: string) => void;
  /** Where a setting to fix is told (the broker refused the connection); `log` by default. */
  logError?: (message: string) => void;
  /** A publish not confirmed within this time rejects (e.g. while the broker is down). */
  publishTimeoutMs?: number;
  heartbeatIntervalInSeconds?: number;
  reconnectTimeInSeconds?: number;
  /** The type consumers declare their queues with (`RABBITMQ_QUEUE_TYPE`); classic by default. */
  queueType?: QueueType;
}

/** How long a publish waits for this process's consumers of it to declare their queues. */
const OWN_QUEUES_WAIT_MS = 5_000;

/**
 * RabbitMQ over amqp-connection-manager, on two connections, as RabbitMQ
 * advises: one publishes (events, consumers' retry and dead-letter copies,
 * dead-letter ops), the other consumes. During a memory or disk alarm RabbitMQ
 * blocks the publishing one alone, so consumers go on acking; and a channel
 * error recycles only the connection of the channel it closed. Connecting
 * happens in the background and again after every loss; publishes made
 * meanwhile wait in the channel's queue (and in-flight ones are sent again)
 * until confirmed, or reject after `publishTimeoutMs`, never vanish.
 */
export class RabbitMqBroker implements Broker {
  private readonly publishing: RoleConnection;
  /** Opened by the first `consume`: a service that only publishes (identity, the ops CLI) has none. */
  private consuming?: RoleConnection;
  private readonly settings: ConnectionSettings;
  private readonly outage: OutageNotes = {};
  private readonly publisher: ChannelWrapper;
  private readonly copies: CopyChannel;
  private publisherChannel?: ConfirmChannel;
  private readonly consumers = new Set<RabbitMqConsumer>();
  /** Ids the broker returned as unroutable; a return always precedes the message's confirm. */
  private readonly returned = new Set<string>();
  private readonly log: (message: string) => void;
  private readonly publishTimeoutMs: number;
  private readonly queueType: QueueType;
  private closed = false;

  constructor(url: string, options: RabbitMqBrokerOptions = {}) {
    this.log = options.log ?? ((m) => console.warn(m));
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    this.queueType = options.queueType ?? 'classic';
    const settings = (this.settings = {
      url,
      shownUrl: redactCredentials(url),
      heartbeatIntervalInSeconds: options.heartbeatIntervalInSeconds ?? 5,
      reconnectTimeInSeconds: options.reconnectTimeInSeconds ?? 1,
      log: this.log,
      logError: options.logError ?? this.log,
      isClosed: () => this.closed,
    });
    this.publishing = openConnection('publish', settings, this.outage);
    const { manager, watchChannel } = this.publishing;
    this.copies = new CopyChannel(manager, watchChannel, this.log);
    this.publisher = manager.createChannel({
      name: 'publisher',
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        this.publisherChannel = channel;
        watchChannel(channel, 'publisher');
        channel.on('return', (message: Message) => {
          const id: unknown = message.properties.messageId;
          if (typeof id === 'string') this.returned.add(id);
        });
        await channel.assertExchange(PLATFORM_EXCHANGE, 'topic', { durable: true });
      },
    });
    this.publisher.on('error', (e: Error) => this.log(`RabbitMQ publisher: ${e.message}`));
  }

  async publish(events: CloudEvent[]): Promise<void> {
    if (this.closed) throw new Error('broker is closed');
    await this.ownQueuesDeclared(events);
    const results = await Promise.allSettled(events.map((e) => this.publishOne(e)));
    const failed: Array<{ event: CloudEvent; reason: unknown }> = [];
    const unrouted: string[] = [];
    results.forEach((r, i) => {
      if (r.status === 'rejected') failed.push({ event: events[i], reason: r.reason });
      else if (!r.value) unrouted.push(events[i].type);
    });
    // Unroutable is reported only when it is the sole failure: a caller may accept it
    // (nobody subscribed), and must never mistake a nacked or lost message for that.
    const nacked = failed.filter((f) => errorMessage(f.reason) === 'message nacked');
    if (nacked.length) throw new PublishRejectedError(nacked.map((f) => f.event.id));
    if (failed.length) throw failed[0].reason;
    if (unrouted.length) throw new UnroutableError(unrouted);
  }

  /**
   * Waits, up to a few seconds, for this process's consumers of `events` to
   * declare their queues: after RabbitMQ comes back (or on a fresh virtual
   * host) the two connections open together, and a publish that went first
   * reached no queue. In the all-in-one process identity's EmailVerified
   * messages were lost so, and their acceptances left waiting.
   */
  private async ownQueuesDeclared(events: CloudEvent[]): Promise<void> {
    const types = [...new Set(events.map((e) => e.type))];
    const waiting = [...this.consumers].filter((c) => types.some((t) => c.binds(t)));
    if (!waiting.length) return;
    const declared = Promise.all(waiting.map((c) => c.declared()));
    await withTimeout(declared, OWN_QUEUES_WAIT_MS, () => new Error('not declared')).catch(
      () => undefined, // published all the same: a consumer down for good must not hold publishes
    );
  }

  /** The channel's bare "timeout", said as what it means to an operator. */
  private unconfirmed(error: unknown): Error {
    return new Error(
      `RabbitMQ at ${this.settings.shownUrl} did not confirm the publish within ${this.publishTimeoutMs} ms (timeout)`,
      { cause: error },
    );
  }

  async consume(spec: ConsumeSpec): Promise<ConsumerHandle> {
    if (this.closed) throw new Error('broker is closed');
    checkSpec(spec);
    const consuming = this.consumingConnection();
    const consumer = await RabbitMqConsumer.start(consuming.manager, spec, {
      log: this.log,
      onCancelled: (c) => this.consumers.delete(c),
      queueType: this.queueType,
      watchChannel: consuming.watchChannel,
      sendCopy: this.copies.send,
    });
    this.consumers.add(consumer);
    return consumer;
  }

  async deadLetters(queue: string): Promise<DeadLetter[]> {
    await this.connected();
    return listDeadLetters(this.publishing.manager, queue);
  }

  async retryDeadLetters(
    queue: string,
    messageIds?: readonly string[],
  ): Promise<DeadLettersSettled> {
    await this.connected();
    return settleDeadLetters(this.publishing.manager, queue, 'retry', messageIds);
  }

  async discardDeadLetters(
    queue: string,
    messageIds?: readonly string[],
  ): Promise<DeadLettersSettled> {
    await this.connected();
    return settleDeadLetters(this.publishing.manager, queue, 'discard', messageIds);
  }

  /** Every connection opened is up (a service's /ready): with one down it cannot publish, or consume. */
  isHealthy(): boolean {
    return !this.closed && this.connections().every(({ manager }) => manager.isConnected());
  }

  /** Drops the connections and connects again, as after a network failure (ops and tests). */
  reconnect(): void {
    for (const { manager } of this.connections()) forceReconnect(manager);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Consumers first: a message they are settling may still send its copy (one waiting for a
    // publishing connection that is down stops waiting as its consumer stops).
    await Promise.all([...this.consumers].map((c) => c.cancel()));
    // Unconfirmed publishes reject here rather than disappear.
    await Promise.all([closeWrapper(this.publisher, this.publisherChannel), this.copies.close()]);
    await Promise.all(this.connections().map(({ manager }) => closeManager(manager)));
  }

  private consumingConnection(): RoleConnection {
    return (this.consuming ??= openConnection('consume', this.settings, this.outage));
  }

  private connections(): RoleConnection[] {
    return this.consuming ? [this.publishing, this.consuming] : [this.publishing];
  }

  /**
   * A message in flight when its channel dies is rejected with "channel
   * closed" even though the wrapper is about to reconnect; publishing it again
   * queues it for the new channel. Duplicates are allowed (at-least-once).
   * Resolves false when the broker returned it unroutable (one error per batch, not per event).
   */
  private async publishOne(event: CloudEvent): Promise<boolean> {
    const m = cloudEventMessage(event);
    // A return names the message by the id it was sent with: a long event id goes out shortened.
    const sentId = amqpShortString(event.id);
    const deadline = Date.now() + this.publishTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      this.returned.delete(sentId);
      try {
        await this.publisher.publish(PLATFORM_EXCHANGE, m.routingKey, m.content, {
          persistent: true,
          mandatory: true,
          contentType: m.contentType,
          messageId: m.messageId,
          type: m.type,
          correlationId: m.correlationId,
          timestamp: m.timestamp,
          timeout: Math.max(1, deadline - Date.now()),
        });
        break;
      } catch (error) {
        const lostChannel = /channel closed/i.test(errorMessage(error));
        if (errorMessage(error) === 'timeout') throw this.unconfirmed(error);
        if (!lostChannel || this.closed || attempt >= 5 || Date.now() >= deadline) throw error;
      }
    }
    return !this.returned.delete(sentId);
  }

  /** Ops calls wait for the (re)connection, but no longer than a publish would. */
  private async connected(): Promise<void> {
    await withTimeout(
      this.publisher.waitForConnect(),
      this.publishTimeoutMs,
      () => new Error('RabbitMQ is not connected'),
    );
  }
}

/** Closes a connection, done once it is closed however that came about. */
function closeManager(manager: AmqpConnectionManager): Promise<void> {
  const close = () =>
    manager.close().catch((error: unknown) => {
      // A reconnect was closing the connection already: closed either way.
      if (!isConnectionClosing(error)) throw error;
    });
  return closedOrGone(close, manager.connection?.connection);
}
