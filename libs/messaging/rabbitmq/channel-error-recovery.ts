import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { Channel } from 'amqplib';
import { forceReconnect } from './amqp-helpers';

/** Watches a channel for an error RabbitMQ closes it over; `label` names it in the log. */
export type WatchChannel = (channel: Channel, label: string) => void;

/** A reconnect this long without a channel error ends a run of them. */
const QUIET_MS = 30_000;
const MAX_DELAY_MS = 60_000;

/**
 * RabbitMQ closes a channel over an error of its own (an ack it does not
 * know, a consumer past its ack timeout, a queue that is missing) while the
 * connection stays up, and amqp-connection-manager opens channels only when
 * the connection (re)connects. So a watched channel's error reconnects the
 * connection after `delayMs`, once for errors close together, which sets every
 * channel up again; unacked messages are redelivered. An error that comes back
 * after the reconnect (a queue another process declared with other arguments)
 * doubles the wait, up to a minute, until a reconnect stays quiet for 30 s:
 * every reconnect takes every other channel of that connection down with it
 * (the consuming connection's: every other consumer), and at a fixed second
 * none of their slower handlers' acks got through.
 */
export function channelErrorRecovery(
  manager: Pick<AmqpConnectionManager, 'isConnected' | 'reconnect' | 'connection'>,
  log: (message: string) => void,
  delayMs = 1_000,
  now: () => number = Date.now,
): WatchChannel {
  let pending: NodeJS.Timeout | undefined;
  let streak = 0;
  let reconnectedAt = -Infinity;
  let wait = delayMs;
  const reconnect = () => {
    pending = undefined;
    reconnectedAt = now();
    try {
      if (manager.isConnected()) forceReconnect(manager);
    } catch {
      // Closed meanwhile: nothing to reconnect.
    }
  };
  return (channel, label) =>
    channel.on('error', (error: Error) => {
      if (!pending) {
        streak = now() - reconnectedAt < QUIET_MS ? streak + 1 : 0;
        wait = Math.min(delayMs * 2 ** streak, MAX_DELAY_MS);
        pending = setTimeout(reconnect, wait).unref();
      }
      const again = streak > 0 ? ` in ${wait / 1000} s, as it came back after the last one` : '';
      log(`${label}: RabbitMQ closed the channel (${error.message}); reconnecting${again}`);
    });
}
