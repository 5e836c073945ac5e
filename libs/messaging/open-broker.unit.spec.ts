import { InProcessBroker } from './in-process/in-process-broker';
import { openBroker } from './open-broker';
import { RabbitMqBroker } from './rabbitmq/rabbitmq-broker';

describe('openBroker', () => {
  describe('when no URL is configured', () => {
    it('opens the in-process broker', async () => {
      const broker = openBroker(undefined);
      expect(broker).toBeInstanceOf(InProcessBroker);
      expect(broker.isHealthy()).toBe(true);
      await broker.close();
      expect(broker.isHealthy()).toBe(false);
    });
  });

  describe('when an amqp URL is configured', () => {
    it('opens a RabbitMQ broker that connects in the background', async () => {
      const broker = openBroker('amqp://guest:guest@127.0.0.1:1', { log: () => undefined });
      expect(broker).toBeInstanceOf(RabbitMqBroker);
      await broker.close();
    });
  });

  describe('when the scheme is unknown', () => {
    it('refuses it without echoing credentials', () => {
      expect(() => openBroker('http://user:secret@host')).toThrow(/unsupported scheme/);
      expect(() => openBroker('http://user:secret@host')).not.toThrow(/secret/);
    });
  });
});
