import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import { connect as connectManager } from 'amqp-connection-manager';
import { connect, type ConfirmChannel, type GetMessage } from 'amqplib';
import { waitFor } from '../../testing/wait-for';
import type { ConsumerHandle } from '../broker.port';
import { cloudEvent } from '../testing/broker.contract';
import { deleteConsumerQueues } from '../testing/delete-consumer-queues';
import { rabbitMqReachable } from '../testing/rabbitmq-probe';
import { startTcpProxy } from '../../testing/tcp-proxy';
import { CopyChannel } from './copy-channel';
import { RabbitMqBroker } from './rabbitmq-broker';

const url = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const reachable = rabbitMqReachable(url);
if (!reachable) process.stdout.write(`skipped: no RabbitMQ at ${url}\n`);

/** The channel a consumer consumes on now. */
const consumingChannel = (consumer: ConsumerHandle) =>
  (consumer as unknown as { current: { channel: ConfirmChannel } }).current.channel;

const publisherChannel = (broker: RabbitMqBroker) =>
  (broker as unknown as { publisherChannel: ConfirmChannel }).publisherChannel;

const deleteQueues = (queue: string, spec: { maxRetries: number; retryDelayMs: number }) =>
  deleteConsumerQueues(url, queue, spec);

(reachable ? describe : describe.skip)('RabbitMqBroker’s connections', () => {
  describe('when RabbitMQ closes a consumer’s channel over an error of its own', () => {
    it('recycles the consuming connection alone: the publisher’s channel stays open, its publishes go on', async () => {
      const logged: string[] = [];
      const broker = new RabbitMqBroker(url, { log: (m) => logged.push(m) });
      const queue = `contract-test.${randomUUID()}`;
      const type = `contract.${randomUUID()}.consumer-channel-error.v1`;
      const spec = { maxRetries: 0, retryDelayMs: 5 };
      const seen = new Set<string>();
      try {
        const consumer = await broker.consume({
          queue,
          bindingKeys: [type],
          prefetch: 5,
          ...spec,
          handle: async (event) => void seen.add(event.id),
        });
        const first = cloudEvent(type);
        await broker.publish([first]);
        await waitFor(() => seen.has(first.id), { message: 'the first event' });

        const publishing = publisherChannel(broker);
        const consuming = consumingChannel(consumer);
        expect(consuming.connection).not.toBe(publishing.connection);
        let publisherClosed = false;
        publishing.once('close', () => (publisherClosed = true));

        // An ack of a delivery the channel never had: RabbitMQ closes that channel (406).
        consuming.ack({ fields: { deliveryTag: 999_999 } } as GetMessage);
        const during = cloudEvent(type);
        const inFlight = broker.publish([during]);
        await waitFor(() => consumingChannel(consumer) !== consuming, {
          timeoutMs: 15_000,
          message: 'the consumer on the new consuming connection',
        });
        await inFlight;
        const after = cloudEvent(type);
        await broker.publish([after]);
        await waitFor(() => seen.has(during.id) && seen.has(after.id), {
          message: 'the events published during and after the channel error',
        });

        expect(publisherClosed).toBe(false);
        expect(publisherChannel(broker)).toBe(publishing);
        expect(logged).toContainEqual(
          expect.stringMatching(new RegExp(`^${queue}: RabbitMQ closed the channel`)),
        );
        expect(logged).toContain('RabbitMQ (consume) disconnected: forced reconnect');
        expect(logged.filter((m) => m.includes('(publish)'))).toEqual([]);
      } finally {
        await broker.close();
        await deleteQueues(queue, spec);
      }
    });
  });

  describe('when the publishing connection’s copy channel closes as a consumer dead-letters a message', () => {
    it('hands the message back and dead-letters it once reconnected, where the consumer took it for its own channel closing', async () => {
      const logged: string[] = [];
      const broker = new RabbitMqBroker(url, { log: (m) => logged.push(m) });
      const queue = `contract-test.${randomUUID()}`;
      const type = `contract.${randomUUID()}.copy-channel-closing.v1`;
      const spec = { maxRetries: 0, retryDelayMs: 5 };
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      let calls = 0;
      try {
        await broker.consume({
          queue,
          bindingKeys: [type],
          prefetch: 1,
          ...spec,
          handle: async () => {
            calls += 1;
            await gate;
            throw new Error('poison');
          },
        });
        await broker.publish([cloudEvent(type)]);
        await waitFor(() => calls === 1, { message: 'the handler to run' });
        const { copies } = broker as unknown as { copies: { channel: ConfirmChannel } };
        void copies.channel.close(); // closing until RabbitMQ answers: sends throw meanwhile
        open();
        await waitFor(() => logged.some((m) => m.includes('could not settle a message')), {
          message: 'the failed copy',
        });
        broker.reconnect();
        await waitFor(async () => (await broker.deadLetters(queue)).length === 1, {
          timeoutMs: 15_000,
          message: 'the message dead-lettered',
        });
      } finally {
        open();
        await broker.close();
        await deleteQueues(queue, spec);
      }
    });
  });

  describe('when the publishing connection is down while the consuming one is up', () => {
    /** A copy channel on a connection through a proxy that turns it away until `up()`. */
    async function copiesWhileDown() {
      const broker = new URL(url);
      const target = { host: broker.hostname, port: Number(broker.port || 5672) };
      const proxy = await startTcpProxy(target, { refusing: true });
      const proxied = Object.assign(new URL(url), { host: `127.0.0.1:${proxy.port}` });
      const manager = connectManager([proxied.toString()], {
        reconnectTimeInSeconds: 0.05,
      });
      let failedConnects = 0;
      manager.on('connectFailed', () => (failedConnects += 1));
      const copies = new CopyChannel(
        manager,
        () => undefined,
        () => undefined,
      );
      const queue = `contract-test.${randomUUID()}`;
      const admin = await connect(url);
      const channel = await admin.createChannel();
      await channel.assertQueue(queue, { autoDelete: false });
      return {
        copies,
        queue,
        failedConnects: () => failedConnects,
        up: () => proxy.refuse(false),
        waiting: async () => (await channel.checkQueue(queue)).messageCount,
        close: async () => {
          await copies.close();
          await manager.close();
          await proxy.close();
          await channel.deleteQueue(queue);
          await admin.close();
        },
      };
    }

    it('has a copy wait for the connection and sends it once up, rather than fail at once', async () => {
      const c = await copiesWhileDown();
      try {
        let settled = false;
        const sent = c.copies.send(c.queue, Buffer.from('x'), {});
        void sent.finally(() => (settled = true)).catch(() => undefined);
        await waitFor(() => c.failedConnects() >= 3, { message: 'three connection attempts' });
        expect(settled).toBe(false);
        c.up();
        await sent;
        expect(await c.waiting()).toBe(1);
      } finally {
        await c.close();
      }
    });

    it('stops waiting at once when its consumer stops or its channel closes, leaving no listener', async () => {
      const c = await copiesWhileDown();
      try {
        const stops = [new AbortController(), new AbortController()];
        const sends = stops.map(() =>
          c.copies.send(
            c.queue,
            Buffer.from('x'),
            {},
            stops.map((s) => s.signal),
          ),
        );
        await waitFor(() => c.failedConnects() >= 1, { message: 'a connection attempt' });
        stops[0].abort(); // the consumer’s channel closed: the message comes again, uncopied
        for (const sent of sends) await expect(sent).rejects.toThrow(/is not connected: no copy/);
        expect(getEventListeners(stops[1].signal, 'abort')).toHaveLength(0);
        expect((c.copies as unknown as { waiting: Set<unknown> }).waiting.size).toBe(0);
      } finally {
        await c.close();
      }
    });
  });

  describe('when a broker only publishes, as identity’s and the ops CLI’s do', () => {
    it('opens no consuming connection, and one for its first consumer', async () => {
      const broker = new RabbitMqBroker(url, { log: () => undefined });
      const opened = () => (broker as unknown as { consuming?: object }).consuming !== undefined;
      const queue = `contract-test.${randomUUID()}`;
      const spec = { maxRetries: 0, retryDelayMs: 5 };
      try {
        await broker.publish([cloudEvent(`contract.${randomUUID()}.unbound.v1`)]).catch(() => {});
        expect(broker.isHealthy()).toBe(true);
        expect(opened()).toBe(false);
        await broker.consume({
          queue,
          bindingKeys: ['none'],
          prefetch: 1,
          ...spec,
          handle: async () => {},
        });
        expect(opened()).toBe(true);
        await waitFor(() => broker.isHealthy(), { message: 'both connections up' });
      } finally {
        await broker.close();
        await deleteQueues(queue, spec);
      }
    });
  });

  describe('when RabbitMQ comes up and the consuming connection opens after the publishing one', () => {
    it('has a publish of a type this process consumes wait for its queue, where it reached none and was lost', async () => {
      const target = new URL(url);
      const proxy = await startTcpProxy(
        { host: target.hostname, port: Number(target.port || 5672) },
        { refusing: true },
      );
      const proxied = Object.assign(new URL(url), { host: `127.0.0.1:${proxy.port}` });
      const broker = new RabbitMqBroker(proxied.toString(), {
        log: () => undefined,
        reconnectTimeInSeconds: 0.05,
      });
      // The consuming connection asks again only after a second: it opens well after the other.
      type Connection = { manager: AmqpConnectionManager };
      const consuming = (
        broker as unknown as { consumingConnection(): Connection }
      ).consumingConnection().manager;
      consuming.on('connectFailed', () => (consuming.reconnectTimeInSeconds = 1));
      const queue = `contract-test.${randomUUID()}`;
      const type = `contract.${randomUUID()}.late-queue.v1`;
      const spec = { maxRetries: 0, retryDelayMs: 5 };
      const seen = new Set<string>();
      try {
        await broker.consume({
          ...{ queue, bindingKeys: [type], prefetch: 1, ...spec },
          handle: async (event) => void seen.add(event.id),
        });
        const event = cloudEvent(type);
        const published = broker.publish([event]);
        proxy.refuse(false);
        await published;
        await waitFor(() => seen.has(event.id), { message: 'the event handled' });
      } finally {
        await broker.close();
        await proxy.close();
        await deleteQueues(queue, spec);
      }
    });
  });

  describe('when RabbitMQ cannot be reached', () => {
    it('says so once for both connections, however often each retries', async () => {
      const logged: string[] = [];
      const broker = new RabbitMqBroker('amqp://guest:guest@127.0.0.1:1', {
        log: (m) => logged.push(m),
        reconnectTimeInSeconds: 0.05,
      });
      type Connection = { manager: AmqpConnectionManager };
      const b = broker as unknown as { publishing: Connection; consumingConnection(): Connection };
      const [publishing, consuming] = [b.publishing, b.consumingConnection()];
      const failures = { publish: 0, consume: 0 };
      publishing.manager.on('connectFailed', () => (failures.publish += 1));
      consuming.manager.on('connectFailed', () => (failures.consume += 1));
      try {
        await waitFor(() => failures.publish >= 3 && failures.consume >= 3, {
          message: 'three failed attempts of each connection',
        });
        expect(logged.filter((m) => m.startsWith('RabbitMQ unreachable'))).toHaveLength(1);
      } finally {
        await broker.close();
      }
    });
  });
});
