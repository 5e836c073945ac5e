import { randomUUID } from 'node:crypto';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage, Options } from 'amqplib';
import { topicMatches } from '../in-process/topic-match';
import {
  DEAD_LETTER_REASON_HEADER,
  QueueNotFoundError,
  RETRY_COUNT_HEADER,
  deadLetterQueue,
  retryQueue,
  type ConsumeSpec,
  type ConsumerHandle,
} from '../broker.port';
import { countSettled, processDelivery, retryDelays } from '../delivery';
import { LingeringHandlers, stopLingering } from '../lingering-handlers';
import { errorMessage } from '../../platform/errors/error-message';
import { noListenerLimit } from '../../platform/async/no-listener-limit';
import { AckBatcher } from './ack-batcher';
import {
  closeWrapper,
  copyOptions,
  DEATH_HISTORY_HEADERS,
  declareTopology,
  deliveryInfo,
  isConnectionClosing,
  type QueueType,
} from './amqp-helpers';
import type { WatchChannel } from './channel-error-recovery';
import type { SendCopy } from './copy-channel';
import { SettleBackoff } from './settle-backoff';

export interface ConsumerOptions {
  log: (message: string) => void;
  onCancelled: (c: RabbitMqConsumer) => void;
  queueType: QueueType;
  /** Recovers a channel RabbitMQ closes over an error (see `channelErrorRecovery`). */
  watchChannel: WatchChannel;
  /** Sends a retry or dead-letter copy, on the publishing connection (see `CopyChannel`). */
  sendCopy: SendCopy;
}

interface ChannelState {
  acks: AckBatcher;
  /** Aborted when the channel closes: RabbitMQ has then requeued its unsettled messages itself. */
  closed: AbortSignal;
}

/**
 * One consumer on its own channel of the consuming connection. Topology and
 * the consumer are set up again on every reconnect. Acks go to the very
 * channel a message came from: if that channel dies first, the broker
 * redelivers the message. A move to the retry or dead-letter queue is a copy
 * sent on the publishing connection, and the message is acked only once
 * RabbitMQ confirms the copy: a message is never lost between them, and may
 * be copied twice when its channel dies in between (at-least-once).
 */
export class RabbitMqConsumer implements ConsumerHandle {
  private readonly wrapper: ChannelWrapper;
  private readonly inFlight = new Set<Promise<void>>();
  /** Per channel set up, kept across a resubscribe on it, whose ack tags keep counting. */
  private readonly channels = new WeakMap<Channel, ChannelState>();
  private current?: { channel: Channel; consumerTag: string };
  /** The channel last set up, which closing the wrapper closes. */
  private channel?: Channel;
  private cancelled = false;
  private readonly backoff = new SettleBackoff();
  /** Aborted by `cancel`: a copy waiting for the publishing connection stops waiting. */
  private readonly stopping = noListenerLimit();
  private readonly lingering = new LingeringHandlers();

  private constructor(
    manager: AmqpConnectionManager,
    private readonly spec: ConsumeSpec,
    private readonly options: ConsumerOptions,
  ) {
    this.wrapper = manager.createChannel({
      name: `consumer ${spec.queue}`,
      confirm: false, // its copies go out on the publishing connection: nothing is published here
      setup: (channel: Channel) => this.setup(channel),
    });
  }

  /**
   * Resolves once the topology is declared and the consumer registered, or,
   * when RabbitMQ cannot be reached, as soon as a connection attempt fails: a
   * service then starts without it (its /ready says so) and the consumer
   * registers when the broker comes back, as after any reconnect.
   */
  static async start(
    manager: AmqpConnectionManager,
    spec: ConsumeSpec,
    options: ConsumerOptions,
  ): Promise<RabbitMqConsumer> {
    const { log } = options;
    const consumer = new RabbitMqConsumer(manager, spec, options);
    try {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: unknown) => {
          // The connection closed under the setup, as a reconnect closes it: set up again once connected.
          if (isConnectionClosing(error)) return;
          manager.off('connectFailed', onConnectFailed);
          consumer.wrapper.off('error', done);
          if (error) reject(error as Error);
          else resolve();
        };
        const onConnectFailed = () => {
          log(`${spec.queue}: RabbitMQ unreachable; the consumer registers once it connects`);
          done();
        };
        manager.on('connectFailed', onConnectFailed);
        consumer.wrapper.on('error', done);
        consumer.wrapper.waitForConnect().then(() => done(), done);
      });
    } catch (error) {
      await consumer.cancel();
      throw error;
    }
    consumer.wrapper.on('error', (e: Error) => log(`${spec.queue}: setup failed: ${e.message}`));
    return consumer;
  }

  get queue(): string {
    return this.spec.queue;
  }

  /** Whether a message routed by `routingKey` reaches this consumer's queue. */
  binds(routingKey: string): boolean {
    return this.spec.bindingKeys.some((key) => topicMatches(key, routingKey));
  }

  /** Resolves once its queue is declared and bound on the current connection. */
  declared(): Promise<void> {
    return this.wrapper.waitForConnect();
  }

  async cancel(): Promise<void> {
    const since = Date.now();
    if (!this.cancelled) {
      this.cancelled = true;
      this.backoff.release(); // held messages go back now, not after their wait
      this.stopping.abort();
      const current = this.current;
      if (current) await current.channel.cancel(current.consumerTag).catch(() => undefined);
    }
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    await stopLingering(this.lingering, this.spec, this.options.log, since);
    await closeWrapper(this.wrapper, this.channel);
    this.options.onCancelled(this);
  }

  private async setup(channel: Channel): Promise<void> {
    const { queue, prefetch } = this.spec;
    if (this.cancelled) {
      // Stopped while the manager opened this channel after a reconnect: closing the wrapper
      // then found no channel to close, so nothing else would close this one.
      await channel.close().catch(() => undefined);
      return;
    }
    this.channel = channel;
    let state = this.channels.get(channel);
    if (!state) {
      // The first setup on this channel (a broker-side cancel sets it up again): watched once,
      // and its ack tags, which keep counting across a resubscribe, batched by one batcher.
      this.options.watchChannel(channel, queue);
      const closed = noListenerLimit();
      channel.once('close', () => closed.abort());
      state = { acks: new AckBatcher(channel), closed: closed.signal };
      this.channels.set(channel, state);
    }
    const { acks } = state;
    await this.declare(channel);
    if (this.cancelled) return;
    await channel.prefetch(prefetch);
    const { consumerTag } = await channel.consume(queue, (message) => {
      if (message) {
        acks.delivered(message);
        return this.track(this.onMessage(channel, state, message));
      }
      // The broker cancelled us (e.g. the queue was deleted): declare again and resume.
      if (this.cancelled) return;
      this.options.log(`${queue}: consumer cancelled by the broker; resubscribing`);
      this.setup(channel).catch((e) =>
        this.options.log(`${queue}: resubscribe failed: ${errorMessage(e)}`),
      );
    });
    this.current = { channel, consumerTag };
    // Stopped while subscribing: `cancel` reached only the channel before this one.
    if (this.cancelled) await channel.cancel(consumerTag).catch(() => undefined);
  }

  private declare(channel: Channel): Promise<void> {
    const { queue, bindingKeys } = this.spec;
    const delays = retryDelays(this.spec);
    return declareTopology(channel, queue, bindingKeys, delays, this.options.queueType);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async onMessage(
    channel: Channel,
    { acks, closed }: ChannelState,
    message: ConsumeMessage,
  ): Promise<void> {
    const { queue } = this.spec;
    const info = deliveryInfo(queue, message);
    const { log } = this.options;
    const outcome = await processDelivery(
      message.content,
      info,
      this.spec,
      log,
      this.lingering.add,
    );
    // A copy stops waiting for the publishing connection once this channel closes or we stop.
    const copy = (to: string, options: Options.Publish) =>
      this.options.sendCopy(to, message.content, options, [closed, this.stopping.signal]);
    try {
      if (outcome.action === 'retry') {
        const headers = { [RETRY_COUNT_HEADER]: outcome.attempt };
        const options = copyOptions(message.properties, headers, DEATH_HISTORY_HEADERS);
        await copy(retryQueue(queue, outcome.delayMs), options);
      } else if (outcome.action === 'dead-letter') {
        const options = copyOptions(message.properties, {
          [DEAD_LETTER_REASON_HEADER]: outcome.reason,
        });
        options.messageId = outcome.messageId ?? randomUUID(); // every dead letter can be named
        await copy(deadLetterQueue(queue), options);
        this.options.log(`${queue}: dead-lettered ${options.messageId}: ${outcome.reason}`);
      }
      await acks.ack(message);
      countSettled(queue, outcome);
      // Only a copy sent says settling works again: the acks of other messages go through while
      // copies cannot be sent, and resetting then handed a failing message back at once.
      if (outcome.action !== 'ack') this.backoff.succeeded();
    } catch (error) {
      if (closed.aborted || isConnectionClosing(error)) {
        // Requeued with its channel, as every unsettled message of a cut connection is: nothing
        // to hold or hand back, and no failure to count, or the wait for the next real one grows.
        this.options.log(`${queue}: channel closed before a message was settled; it comes again`);
        acks.forget(message);
        return;
      }
      // Not acked, so not lost: handed back after a wait that grows while settling keeps failing
      // (at once, it would come straight back).
      const waitMs = this.backoff.failed();
      this.options.log(
        `${queue}: could not settle a message, handing it back in ${waitMs} ms: ${errorMessage(error)}`,
      );
      // A retry or dead-letter queue deleted by hand: declared again before the message comes back.
      if (error instanceof QueueNotFoundError) await this.declare(channel).catch(() => undefined);
      await this.backoff.hold(waitMs, closed); // a channel closing meanwhile requeues it at once
      // Forgotten only now: while held, no `multiple` ack of a later message may cover it.
      acks.forget(message);
      try {
        channel.nack(message, false, true);
      } catch {
        // The channel is gone; the broker has already requeued the message.
      }
    }
  }
}
