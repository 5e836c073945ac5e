import { connect, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
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
import { channelErrorRecovery, type WatchChannel } from './channel-error-recovery';
import { listDeadLetters, settleDeadLetters } from './dead-letter-ops';
import { RabbitMqConsumer } from './rabbitmq-consumer';

export interface RabbitMqBrokerOptions {
  log?: (message: string) => void;
  /** A publish not confirmed within this time rejects (e.g. while the broker is down). */
  publishTimeoutMs?: number;
  heartbeatIntervalInSeconds?: number;
  reconnectTimeInSeconds?: number;
  /** The type consumers declare their queues with (`RABBITMQ_QUEUE_TYPE`); classic by default. */
  queueType?: QueueType;
}

/**
 * RabbitMQ over amqp-connection-manager. Connecting happens in the
 * background and again after every loss; publishes made meanwhile wait in
 * the channel's queue (and in-flight ones are sent again) until confirmed,
 * or reject after `publishTimeoutMs`, never vanish.
 */
export class RabbitMqBroker implements Broker {
  private readonly manager: AmqpConnectionManager;
  private readonly publisher: ChannelWrapper;
  private publisherChannel?: ConfirmChannel;
  private readonly consumers = new Set<RabbitMqConsumer>();
  /** Ids the broker returned as unroutable; a return always precedes the message's confirm. */
  private readonly returned = new Set<string>();
  private readonly log: (message: string) => void;
  private readonly publishTimeoutMs: number;
  private readonly queueType: QueueType;
  private readonly watchChannel: WatchChannel;
  private closed = false;

  constructor(url: string, options: RabbitMqBrokerOptions = {}) {
    this.log = options.log ?? ((m) => console.warn(m));
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    this.queueType = options.queueType ?? 'classic';
    this.manager = connect([url], {
      heartbeatIntervalInSeconds: options.heartbeatIntervalInSeconds ?? 5,
      reconnectTimeInSeconds: options.reconnectTimeInSeconds ?? 1,
    });
    this.watchConnection(redactCredentials(url));
    this.watchChannel = channelErrorRecovery(this.manager, this.log);
    this.publisher = this.manager.createChannel({
      name: 'publisher',
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        this.publisherChannel = channel;
        this.watchChannel(channel, 'publisher');
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

  async consume(spec: ConsumeSpec): Promise<ConsumerHandle> {
    if (this.closed) throw new Error('broker is closed');
    checkSpec(spec);
    const consumer = await RabbitMqConsumer.start(this.manager, spec, {
      log: this.log,
      onCancelled: (c) => this.consumers.delete(c),
      queueType: this.queueType,
      watchChannel: this.watchChannel,
    });
    this.consumers.add(consumer);
    return consumer;
  }

  async deadLetters(queue: string): Promise<DeadLetter[]> {
    await this.connected();
    return listDeadLetters(this.manager, queue);
  }

  async retryDeadLetters(
    queue: string,
    messageIds?: readonly string[],
  ): Promise<DeadLettersSettled> {
    await this.connected();
    return settleDeadLetters(this.manager, queue, 'retry', messageIds);
  }

  async discardDeadLetters(
    queue: string,
    messageIds?: readonly string[],
  ): Promise<DeadLettersSettled> {
    await this.connected();
    return settleDeadLetters(this.manager, queue, 'discard', messageIds);
  }

  isHealthy(): boolean {
    return !this.closed && this.manager.isConnected();
  }

  /** Drops the connection and connects again, as after a network failure (ops and tests). */
  reconnect(): void {
    forceReconnect(this.manager);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.cancel()));
    // Unconfirmed publishes reject here rather than disappear.
    await closeWrapper(this.publisher, this.publisherChannel);
    const closeConnection = () =>
      this.manager.close().catch((error: unknown) => {
        // A reconnect was closing the connection already: closed either way.
        if (!isConnectionClosing(error)) throw error;
      });
    await closedOrGone(closeConnection, this.manager.connection?.connection);
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

  private watchConnection(url: string): void {
    let down = false;
    let told: 'refused' | 'unreachable' | undefined;
    this.manager.on('connect', () => {
      if (down) this.log(`RabbitMQ reconnected to ${url}`);
      down = false;
      told = undefined;
    });
    this.manager.on('disconnect', ({ err }: { err?: Error }) => {
      if (!this.closed) this.log(`RabbitMQ disconnected: ${err?.message ?? 'unknown reason'}`);
      down = true;
    });
    // A memory or disk alarm: RabbitMQ stops reading a publishing connection, acks included.
    this.manager.on('blocked', ({ reason }: { reason: string }) =>
      this.log(
        `RabbitMQ blocked the connection (${reason}); publishes and acks wait until it clears`,
      ),
    );
    this.manager.on('unblocked', () => this.log('RabbitMQ unblocked the connection'));
    this.manager.on('connectFailed', ({ err }: { err: Error }) => {
      // Once per outage and kind: retries run every reconnectTimeInSeconds, and a broker that
      // comes back refusing (a password changed meanwhile) is a setting to fix, so it is said.
      const failure = connectFailure(url, err);
      const kind = failure.startsWith('RABBITMQ_URL') ? 'refused' : 'unreachable';
      if (!down || told !== kind) this.log(`${failure}; retrying`);
      down = true;
      told = kind;
    });
  }
}

/**
 * Why a connection failed, in words an operator can act on. A broker that
 * answered and refused is a setting to fix (`RABBITMQ_URL`), not an outage to
 * wait out: amqplib says only "Expected ConnectionOpenOk" for a virtual host
 * the broker lacks or the user may not use.
 */
function connectFailure(url: string, err: Error): string {
  if (/ACCESS.REFUSED/.test(err.message)) {
    return `RABBITMQ_URL: the broker at ${url} refused the user name or password (${err.message})`;
  }
  if (/Expected ConnectionOpenOk; got <ConnectionClose/.test(err.message)) {
    return `RABBITMQ_URL: the broker at ${url} refused to open the connection: a virtual host it lacks, a user not allowed on it, or a connection limit (its log says which)`;
  }
  return `RabbitMQ unreachable at ${url}: ${err.message}`;
}
