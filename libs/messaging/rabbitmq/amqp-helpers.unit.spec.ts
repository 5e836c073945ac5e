import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, MessageProperties } from 'amqplib';
import { EventEmitter } from 'node:events';
import {
  confirmSend,
  copyOptions,
  declareTopology,
  forceReconnect,
  type QueueType,
} from './amqp-helpers';

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

describe('copyOptions', () => {
  const properties = (headers: Record<string, unknown>) =>
    ({ messageId: 'm-1', contentType: 'application/json', headers }) as MessageProperties;

  describe('when the original headers are of a usual size', () => {
    it('keeps them beside the headers the copy adds', () => {
      const options = copyOptions(properties({ tenant: 't-1' }), { 'x-retry-count': 1 });
      expect(options).toMatchObject({ messageId: 'm-1', persistent: true });
      expect(options.headers).toEqual({ tenant: 't-1', 'x-retry-count': 1 });
    });
  });

  describe('when the original headers are too large to send again', () => {
    it('leaves them out and says so, keeping the headers the copy adds', () => {
      const options = copyOptions(properties({ blob: 'x'.repeat(60_000) }), {
        'x-dead-letter-reason': 'invalid',
      });
      expect(options.headers).toEqual({
        'x-dead-letter-reason': 'invalid',
        'x-original-headers-dropped': true,
      });
    });

    it('counts them as AMQP encodes them, where numbers take nine bytes each', () => {
      const numbers = Array.from({ length: 7_000 }, (_, i) => i % 10);
      expect(JSON.stringify(numbers).length).toBeLessThan(16_000);
      const options = copyOptions(properties({ numbers }), { 'x-retry-count': 1 });
      expect(options.headers).toEqual({ 'x-retry-count': 1, 'x-original-headers-dropped': true });
    });
  });

  describe('when the original headers nest thousands deep', () => {
    it('leaves them out and says so, where sizing them overflowed the stack', () => {
      let nested: unknown = 'x';
      for (let i = 0; i < 20_000; i++) nested = [nested];
      const options = copyOptions(properties({ nested }), { 'x-retry-count': 1 });
      expect(options.headers).toEqual({ 'x-retry-count': 1, 'x-original-headers-dropped': true });
    });

    it('keeps headers nested as deep as services send them', () => {
      const deathHistory = [{ count: 1, queue: 'q', 'routing-keys': ['a.b'] }];
      const options = copyOptions(properties({ 'x-death': deathHistory }), { 'x-retry-count': 1 });
      expect(options.headers).toEqual({ 'x-death': deathHistory, 'x-retry-count': 1 });
    });
  });
});

describe('forceReconnect', () => {
  /** A manager whose reconnect strips the connection's listeners and, like a close never answered, keeps it. */
  const managerOf = () => {
    const connection = new EventEmitter();
    const manager = {
      connection: connection as AmqpConnectionManager['connection'] | undefined,
      reconnects: 0,
      reconnect() {
        this.reconnects += 1;
        connection.removeAllListeners();
      },
    };
    return { manager, connection };
  };
  const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

  describe('when the old connection dies before its close is answered', () => {
    it('hears its error and asks again once it has closed', async () => {
      const { manager, connection } = managerOf();
      forceReconnect(manager);
      expect(() => connection.emit('error', new Error('Unexpected close'))).not.toThrow();
      connection.emit('close');
      await nextMacrotask();
      expect(manager.reconnects).toBe(2);
    });
  });

  describe('when the manager is closed before it can ask again', () => {
    it('leaves it closed rather than throwing', async () => {
      const { manager, connection } = managerOf();
      forceReconnect(manager);
      const asked = jest.fn(() => {
        throw new Error('cannot reconnect after close');
      });
      manager.reconnect = asked;
      connection.emit('close');
      await nextMacrotask();
      expect(asked).toHaveBeenCalledTimes(1);
    });
  });

  describe('when the manager let go of the old connection as it closed', () => {
    it('asks once', async () => {
      const { manager, connection } = managerOf();
      forceReconnect(manager);
      connection.emit('close');
      manager.connection = undefined; // the settled close's continuation
      await nextMacrotask();
      expect(manager.reconnects).toBe(1);
    });
  });
});

describe('confirmSend', () => {
  describe('when RabbitMQ withholds the confirm', () => {
    it('rejects after the wait, so the message goes back instead of holding its slot', async () => {
      const channel = Object.assign(new EventEmitter(), {
        sendToQueue: () => true, // sent, never confirmed
      }) as unknown as ConfirmChannel;
      await expect(confirmSend(channel, 'orders.dlq', Buffer.from('{}'), {}, 20)).rejects.toThrow(
        /did not confirm the copy to orders.dlq within 20 ms/,
      );
    });
  });
});
