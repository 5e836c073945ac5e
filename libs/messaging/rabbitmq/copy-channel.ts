import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Options } from 'amqplib';
import {
  closeWrapper,
  confirmSend,
  isConnectionClosing,
  MOVE_CONFIRM_TIMEOUT_MS,
} from './amqp-helpers';
import type { WatchChannel } from './channel-error-recovery';
import { noListenerLimit } from '../../platform/async/no-listener-limit';

/**
 * Sends a copy of a message straight to a queue; resolves once RabbitMQ confirms it. Any of
 * `stops` ends a wait for the publishing connection (the consumer's channel closed, or the
 * consumer stops): the message then comes again, or goes back, rather than be copied late.
 */
export type SendCopy = (
  queue: string,
  content: Buffer,
  options: Options.Publish,
  stops?: AbortSignal[],
) => Promise<void>;

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
  /** Copies waiting for the channel: woken as it opens (one list, not a listener each). */
  private readonly waiting = new Set<() => void>();
  /** Ends the waits for a connection: a closing broker hands their messages back at once. */
  private readonly closing = noListenerLimit(); // one listener per waiting copy

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
        for (const wake of [...this.waiting]) wake();
      },
    });
    this.wrapper.on('error', (e: Error) => log(`RabbitMQ copies: ${e.message}`));
  }

  /**
   * Waits for the publishing connection when it is down (the consuming one may be up): failing at
   * once handed the message back to be handled again every few hundred milliseconds.
   */
  readonly send: SendCopy = async (queue, content, options, stops = []) => {
    const deadline = Date.now() + this.timeoutMs;
    const channel = this.channel ?? (await this.connected(queue, stops));
    if (stops.some((s) => s.aborted)) throw notSent(queue);
    try {
      await confirmSend(channel, queue, content, options, Math.max(1, deadline - Date.now()));
    } catch (error) {
      // Not the consumer's channel that closed: its message is still to be handed back.
      if (!isConnectionClosing(error)) throw error;
      throw new Error(`the channel closed before the copy to ${queue} was sent`, { cause: error });
    }
  };

  /** Stops the waits for a connection at once (a closing broker), then closes the channel. */
  close(): Promise<void> {
    this.closing.abort();
    return closeWrapper(this.wrapper, this.last);
  }

  /** The channel once open, or a refusal after the timeout or once a stop or a close ends the wait. */
  private connected(queue: string, stopsGiven: AbortSignal[]): Promise<ConfirmChannel> {
    const stops = [this.closing.signal, ...stopsGiven];
    return new Promise<ConfirmChannel>((resolve, reject) => {
      const end = (channel?: ConfirmChannel) => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        for (const s of stops) s.removeEventListener('abort', refuse);
        if (channel) resolve(channel);
        else reject(notSent(queue));
      };
      const wake = () => this.channel && end(this.channel);
      const refuse = () => end();
      const timer = setTimeout(refuse, this.timeoutMs);
      if (stops.some((s) => s.aborted)) return refuse();
      this.waiting.add(wake);
      for (const s of stops) s.addEventListener('abort', refuse, { once: true });
    });
  }
}

const notSent = (queue: string) =>
  new Error(`RabbitMQ (publish) is not connected: no copy to ${queue} sent`);
