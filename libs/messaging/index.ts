export * from './broker.port';
export { openBroker } from './open-broker';
export { InProcessBroker, type InProcessBrokerOptions } from './in-process/in-process-broker';
// Type only: the RabbitMQ client is loaded by openBroker when a URL asks for it.
export type { RabbitMqBroker, RabbitMqBrokerOptions } from './rabbitmq/rabbitmq-broker';
export { validateCloudEvent, validateData, validateEnvelope } from './validation';
export { consumerQueues, retryDelays } from './delivery';
export { startForwarder, type Forwarder, type ForwarderOptions } from './forwarder';
export {
  CLOUD_EVENTS_TRANSPORT,
  CONSUMER_PREFETCH,
  CONSUMER_RETRY,
  CloudEventContext,
  CloudEventsTransport,
  RethrowRpcErrors,
  type CloudEventsTransportOptions,
} from './cloud-events.transport';
