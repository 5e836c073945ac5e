import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { Channel } from 'amqplib';
import { forceReconnect } from './amqp-helpers';

/** Watches a channel for an error RabbitMQ closes it over; `label` names it in the log. */
export type WatchChannel = (channel: Channel, label: string) => void;

/**
 * RabbitMQ closes a channel over an error of its own (an ack it does not
 * know, a consumer past its ack timeout, a queue that is missing) while the
 * connection stays up, and amqp-connection-manager opens channels only when
 * the connection (re)connects. So a watched channel's error reconnects the
 * connection after `delayMs`, once for errors close together, which sets every
 * channel up again; unacked messages are redelivered. An error that lasts
 * (a queue that cannot be declared) repeats this every `delayMs`.
 */
export function channelErrorRecovery(
  manager: Pick<AmqpConnectionManager, 'isConnected' | 'reconnect' | 'connection'>,
  log: (message: string) => void,
  delayMs = 1_000,
): WatchChannel {
  let pending: NodeJS.Timeout | undefined;
  const reconnect = () => {
    pending = undefined;
    try {
      if (manager.isConnected()) forceReconnect(manager);
    } catch {
      // Closed meanwhile: nothing to reconnect.
    }
  };
  return (channel, label) =>
    channel.on('error', (error: Error) => {
      log(`${label}: RabbitMQ closed the channel (${error.message}); reconnecting`);
      pending ??= setTimeout(reconnect, delayMs).unref();
    });
}
