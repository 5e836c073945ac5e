import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Options } from 'amqplib';
import { closeWrapper, confirmSend, isConnectionClosing } from './amqp-helpers';
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

  constructor(manager: AmqpConnectionManager, watchChannel: WatchChannel, log: (m: string) => void) {
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

  readonly send: SendCopy = async (queue, content, options) => {
    const channel = this.channel;
    if (!channel) throw new Error(`RabbitMQ (publish) is not connected: no copy to ${queue} sent`);
    try {
      await confirmSend(channel, queue, content, options);
    } catch (error) {
      // Not the consumer's channel that closed: its message is still to be handed back.
      if (!isConnectionClosing(error)) throw error;
      throw new Error(`the channel closed before the copy to ${queue} was sent`, { cause: error });
    }
  };

  close(): Promise<void> {
    return closeWrapper(this.wrapper, this.last);
  }
}
