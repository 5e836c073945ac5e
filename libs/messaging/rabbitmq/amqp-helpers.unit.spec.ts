import type { Channel } from 'amqplib';
import { declareTopology, type QueueType } from './amqp-helpers';

/** Records what a consumer declares, on a broker that reports `version`. */
function channelOf(version: string | undefined) {
  const declared: string[] = [];
  const record = (name: string) => {
    declared.push(name);
    return Promise.resolve({});
  };
  const channel = {
    connection: { serverProperties: version === undefined ? {} : { version } },
    assertExchange: record,
    assertQueue: record,
    bindQueue: (queue: string) => record(`bind ${queue}`),
  } as unknown as Channel;
  return { channel, declared };
}

const declare = (channel: Channel, type: QueueType) =>
  declareTopology(channel, 'orders', ['orders.#'], [1000], type);

describe('declareTopology', () => {
  describe('when quorum queues are asked of a broker before RabbitMQ 3.10', () => {
    it('refuses before declaring anything, naming the version needed and found', async () => {
      const { channel, declared } = channelOf('3.9.29');

      await expect(declare(channel, 'quorum')).rejects.toThrow(
        'RABBITMQ_QUEUE_TYPE=quorum needs RabbitMQ 3.10 or later, for at-least-once ' +
          'dead-lettering between a queue and its retry queues; this broker is 3.9.29',
      );
      expect(declared).toEqual([]);
    });
  });

  describe.each([
    ['3.10.0', '3.10.0'],
    ['4.1.2', '4.1.2'],
    ['no version', undefined],
  ])('when quorum queues are asked of a broker reporting %s', (_, version) => {
    it('declares the queues and binds them', async () => {
      const { channel, declared } = channelOf(version);

      await declare(channel, 'quorum');

      expect(declared).toContain('orders');
      expect(declared).toContain('bind orders');
    });
  });

  describe('when classic queues are asked of an old broker', () => {
    it('declares them, since nothing they need is new', async () => {
      const { channel, declared } = channelOf('3.8.0');

      await declare(channel, 'classic');

      expect(declared).toContain('orders.dlq');
    });
  });
});
