import { redactCredentials } from '../platform/config/config-error';
import type { Broker } from './broker.port';
import { InProcessBroker } from './in-process/in-process-broker';
import type { RabbitMqBrokerOptions } from './rabbitmq/rabbitmq-broker';

/**
 * No URL → the embedded in-process broker; `amqp://` or `amqps://` → RabbitMQ,
 * connecting in the background. The RabbitMQ client is loaded only when asked for.
 */
export function openBroker(url?: string, options: RabbitMqBrokerOptions = {}): Broker {
  if (url === undefined || url === '') return new InProcessBroker({ log: options.log });
  if (/^amqps?:\/\//.test(url)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { RabbitMqBroker } = require('./rabbitmq/rabbitmq-broker');
    return new RabbitMqBroker(url, options) as Broker;
  }
  throw new Error(`RABBITMQ_URL: unsupported scheme in ${redactCredentials(url)}`);
}
