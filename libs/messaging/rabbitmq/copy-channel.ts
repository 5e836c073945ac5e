import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Options } from 'amqplib';
import { withTimeout } from '../../platform/async/with-timeout';
import {
  closeWrapper,
  confirmSend,
  isConnectionClosing,
  MOVE_CONFIRM_TIMEOUT_MS,
} from './amqp-helpers';
import type { WatchChannel } from './channel-error-recovery';

/** Sends a copy of a message straight to a queue; resolves once RabbitMQ confirms it. */
export type SendCopy = (queue: string, content: Buffer, options: Options.Publish) => Promise<void>;

/**
 * The channel, on the publishing connection, that consumers send their
 * retry and dead-letter copies on. Sending them on the consuming connection
 * would have RabbitMQ block that connection during an alarm as soon as one
 * copy went out, and every consumer's acks with it; here a copy waits (and
 * its message goes back to its queue after the confirm timeout) while the
 * other messages are still acked.
 */
export class CopyChannel {
  private readonly wrapper: ChannelWrapper;
  /** The channel while it is open. */
  private channel?: ConfirmChannel;
  private last?: ConfirmChannel;
  /** Ends the waits for a connection: a stopping service hands their messages back at once. */
  private readonly closing = new AbortController();

  constructor(
    manager: AmqpConnectionManager,
    watchChannel: WatchChannel,
    log: (m: string) => void,
    /** How long a copy may wait for the publishing connection, and then for its confirm. */
    private readonly timeoutMs = MOVE_CONFIRM_TIMEOUT_MS,
  ) {
    this.wrapper = manager.createChannel({
      name: 'copies',
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        this.channel = this.last = channel;
        watchChannel(channel, 'copies');
        channel.once('close', () => {
          if (this.channel === channel) this.channel = undefined;
        });
      },
    });
    this.wrapper.on('error', (e: Error) => log(`RabbitMQ copies: ${e.message}`));
  }

  /**
   * Waits for the publishing connection when it is down (the consuming one may be up): failing at
   * once handed the message back to be handled again every few hundred milliseconds.
   */
  readonly send: SendCopy = async (queue, content, options) => {
    const deadline = Date.now() + this.timeoutMs;
    const channel = this.channel ?? (await this.connected(queue));
    try {
      await confirmSend(channel, queue, content, options, Math.max(1, deadline - Date.now()));
    } catch (error) {
      // Not the consumer's channel that closed: its message is still to be handed back.
      if (!isConnectionClosing(error)) throw error;
      throw new Error(`the channel closed before the copy to ${queue} was sent`, { cause: error });
    }
  };

  /** Stops the waits for a connection at once (a stopping service), then closes the channel. */
  abortWaits(): void {
    this.closing.abort();
  }

  close(): Promise<void> {
    this.abortWaits();
    return closeWrapper(this.wrapper, this.last);
  }

  private async connected(queue: string): Promise<ConfirmChannel> {
    const notSent = () =>
      new Error(`RabbitMQ (publish) is not connected: no copy to ${queue} sent`);
    const stopped = new Promise<never>((_, reject) => {
      const stop = () => reject(notSent());
      if (this.closing.signal.aborted) stop();
      else this.closing.signal.addEventListener('abort', stop, { once: true });
    });
    stopped.catch(() => undefined);
    await withTimeout(
      Promise.race([this.wrapper.waitForConnect(), stopped]),
      this.timeoutMs,
      notSent,
    );
    if (!this.channel) throw notSent();
    return this.channel;
  }
}
