import { randomUUID } from 'node:crypto';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import { connect, type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import { PLATFORM_EXCHANGE } from '../../contracts';
import { startTcpProxy } from '../../testing/tcp-proxy';
import { waitFor } from '../../testing/wait-for';
import { deadLetterQueue, type ConsumeSpec } from '../broker.port';
import { consumerQueues } from '../delivery';
import { brokerContract, cloudEvent, type BrokerHarness } from '../testing/broker.contract';
import { consumersOf, rabbitMqReachable } from '../testing/rabbitmq-probe';
import { openConnection } from './rabbitmq-connection';
import type { QueueType } from './amqp-helpers';
import { redactCredentials } from '../../platform/config/config-error';
import { RabbitMqBroker } from './rabbitmq-broker';

const url = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const reachable = rabbitMqReachable(url);
const required = process.env.CI === 'true';
if (!reachable && !required) process.stdout.write(`skipped: no RabbitMQ at ${url}\n`);
const quiet = () => undefined;

/** A fresh queue bound to a fresh type, consumed five unacked messages at a time. */
function freshQueue(label: string, spec = { maxRetries: 0, retryDelayMs: 5 }) {
  const queue = `contract-test.${randomUUID()}`;
  const type = `contract.${randomUUID()}.${label}.v1`;
  const consume = (broker: RabbitMqBroker, handle: ConsumeSpec['handle']) =>
    broker.consume({ queue, bindingKeys: [type], prefetch: 5, ...spec, handle });
  return { queue, type, spec, consume };
}

/** Connection.Close: a method frame (type 1) on channel 0, of class 10, method 50. */
const isConnectionClose = (chunk: Buffer) =>
  chunk.length >= 11 &&
  chunk[0] === 1 &&
  chunk.readUInt16BE(1) === 0 &&
  chunk.readUInt16BE(7) === 10 &&
  chunk.readUInt16BE(9) === 50;

/** Channel.Close: a method frame (type 1) on a channel other than 0, of class 20, method 40. */
const isChannelClose = (chunk: Buffer) =>
  chunk.length >= 11 &&
  chunk[0] === 1 &&
  chunk.readUInt16BE(1) !== 0 &&
  chunk.readUInt16BE(7) === 20 &&
  chunk.readUInt16BE(9) === 40;

/** A broker connected through a proxy that cuts the connection, unsent, at the first frame `cuts` picks. */
async function brokerCutAt(cuts: (chunk: Buffer) => boolean, publishTimeoutMs?: number) {
  const target = new URL(url);
  const proxy = await startTcpProxy(
    { host: target.hostname, port: Number(target.port) },
    { forward: (chunk) => !cuts(chunk) },
  );
  const broker = new RabbitMqBroker(`amqp://guest:guest@127.0.0.1:${proxy.port}`, {
    log: quiet,
    ...(publishTimeoutMs ? { publishTimeoutMs } : {}),
  });
  return { broker, proxy };
}

/** Channels open on a connection, read from amqplib's channel table (channel 0 is the connection's own). */
function openChannels(model: ChannelModel): number {
  const { channels } = model.connection as unknown as { channels: unknown[] };
  return channels.slice(1).filter(Boolean).length;
}

/** The connection managers of a broker's two connections (opening the consuming one, as `consume` does). */
function managersOf(broker: RabbitMqBroker): Record<'publish' | 'consume', AmqpConnectionManager> {
  type Connection = { manager: AmqpConnectionManager };
  const b = broker as unknown as { publishing: Connection; consumingConnection(): Connection };
  return { publish: b.publishing.manager, consume: b.consumingConnection().manager };
}

async function openAdmin(): Promise<{ connection: ChannelModel; channel: ConfirmChannel }> {
  const connection = await connect(url);
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(PLATFORM_EXCHANGE, 'topic', { durable: true });
  return { connection, channel };
}

/** Deletes a consumer's queues through the admin channel, then closes its connection. */
async function dropQueues(
  admin: Awaited<ReturnType<typeof openAdmin>>,
  queue: string,
  spec: Pick<ConsumeSpec, 'maxRetries' | 'retryDelayMs'>,
): Promise<void> {
  for (const q of consumerQueues(queue, spec)) await admin.channel.deleteQueue(q);
  await admin.connection.close();
}

if (!reachable && required) {
  describe('RabbitMqBroker', () => {
    it('needs RabbitMQ in CI', () => {
      throw new Error(`no RabbitMQ at ${redactCredentials(url)}, and CI=true requires it`);
    });
  });
}

/** The contract's harness over a broker whose consumers declare `queueType` queues. */
const harness = (queueType: QueueType) => async (): Promise<BrokerHarness> => {
  const { connection, channel } = await openAdmin();
  return {
    broker: new RabbitMqBroker(url, { log: quiet, publishTimeoutMs: 5000, queueType }),
    publishRaw: (routingKey, body) =>
      new Promise<void>((resolve, reject) =>
        channel.publish(PLATFORM_EXCHANGE, routingKey, Buffer.from(body), {}, (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
    deleteQueue: async (queue, retry) => {
      for (const q of consumerQueues(queue, retry)) await channel.deleteQueue(q);
    },
    close: () => connection.close(),
  };
};

(reachable ? describe : describe.skip)('RabbitMqBroker on quorum queues', () => {
  brokerContract(harness('quorum'));

  describe('when a queue was declared with another type', () => {
    it('refuses to consume, saying the type cannot change and what to do', async () => {
      const { connection, channel } = await openAdmin();
      const queue = `contract-test.${randomUUID()}`;
      const spec = { maxRetries: 0, retryDelayMs: 5 };
      const classic = new RabbitMqBroker(url, { log: quiet });
      const quorum = new RabbitMqBroker(url, { log: quiet, queueType: 'quorum' });
      try {
        const consume = (broker: RabbitMqBroker) =>
          broker.consume({ queue, bindingKeys: [], prefetch: 1, ...spec, handle: async () => {} });
        await (await consume(classic)).cancel();
        await expect(consume(quorum)).rejects.toThrow(
          /inequivalent arg .*RABBITMQ_QUEUE_TYPE=quorum now.*type cannot change/,
        );
      } finally {
        await classic.close();
        await quorum.close();
        await dropQueues({ connection, channel }, queue, spec);
      }
    });
  });
  describe('when a message RabbitMQ dead-lettered itself is put back and fails again', () => {
    it('is retried, where RabbitMQ 3 took its copied death history for a loop and dropped it', async () => {
      const { connection, channel } = await openAdmin();
      const { queue, type, spec, consume } = freshQueue('expired', {
        maxRetries: 2,
        retryDelayMs: 5,
      });
      const broker = new RabbitMqBroker(url, { log: quiet, queueType: 'quorum' });
      try {
        await (await consume(broker, async () => {})).cancel(); // declares the queues
        // Its own time to live runs out in the work queue: RabbitMQ dead-letters it as expired.
        const event = cloudEvent(type);
        channel.sendToQueue(queue, Buffer.from(JSON.stringify(event)), {
          messageId: event.id,
          contentType: 'application/cloudevents+json',
          expiration: '1',
        });
        await channel.waitForConfirms();
        await waitFor(async () => (await broker.deadLetters(queue)).length === 1);
        expect(await broker.retryDeadLetters(queue)).toMatchObject({ settled: 1 });

        let calls = 0;
        const consumer = await consume(broker, async () => {
          calls += 1;
          if (calls === 1) throw new Error('not yet');
        });
        await waitFor(() => calls === 2, { message: 'the retry to be handled' });
        await consumer.cancel();
      } finally {
        await broker.close();
        await dropQueues({ connection, channel }, queue, spec);
      }
    });
  });

  describe('when RabbitMQ dead-letters a message itself', () => {
    it('lists it with RabbitMQ’s reason and the queue it left, where the reason was blank', async () => {
      const { connection, channel } = await openAdmin();
      const { queue, spec, consume } = freshQueue('refused');
      const broker = new RabbitMqBroker(url, { log: quiet, queueType: 'quorum' });
      try {
        await (await consume(broker, async () => {})).cancel(); // declares the queues
        channel.sendToQueue(queue, Buffer.from('{}'), { messageId: 'refused-by-hand' });
        await channel.waitForConfirms();
        // A refusal without requeue stands in for the delivery limit: RabbitMQ dead-letters both.
        const message = await waitFor(
          async () => (await channel.get(queue, { noAck: false })) || undefined,
        );
        channel.nack(message, false, false);
        const [dead] = await waitFor(async () => {
          const letters = await broker.deadLetters(queue);
          return letters.length > 0 ? letters : undefined;
        });
        expect(dead).toMatchObject({
          messageId: 'refused-by-hand',
          reason: `dead-lettered by RabbitMQ from ${queue}: rejected`,
        });
      } finally {
        await broker.close();
        await dropQueues({ connection, channel }, queue, spec);
      }
    });
  });
});

(reachable ? describe : describe.skip)('RabbitMqBroker', () => {
  brokerContract(harness('classic'));

  describe('when an event is published', () => {
    it('is persistent, typed and timestamped on the wire', async () => {
      const { connection, channel } = await openAdmin();
      const broker = new RabbitMqBroker(url, { log: quiet });
      try {
        const type = `contract.${randomUUID()}.wire.v1`;
        const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
        await channel.bindQueue(queue, PLATFORM_EXCHANGE, type);
        const event = cloudEvent(type, { n: 1 });
        await broker.publish([event]);
        const message = (await waitFor(() => channel.get(queue, { noAck: true }))) as GetMessage;
        expect(message.fields).toMatchObject({ exchange: PLATFORM_EXCHANGE, routingKey: type });
        expect(message.properties).toMatchObject({
          deliveryMode: 2,
          contentType: 'application/cloudevents+json',
          messageId: event.id,
          type,
          correlationId: event.correlationid,
          timestamp: Math.floor(Date.parse(event.time) / 1000),
        });
        expect(JSON.parse(message.content.toString())).toEqual(event);
      } finally {
        await broker.close();
        await connection.close();
      }
    });
  });

  describe('when the connection drops', () => {
    it('declares the topology again, resumes consuming and delivers publishes made meanwhile', async () => {
      const { connection, channel } = await openAdmin();
      const broker = new RabbitMqBroker(url, { log: quiet });
      const queue = `contract-test.${randomUUID()}`;
      const type = `contract.${randomUUID()}.reconnect.v1`;
      const seen = new Set<string>();
      const published: string[] = [];
      const publish = async (n: number) => {
        const events = Array.from({ length: n }, () => cloudEvent(type));
        published.push(...events.map((e) => e.id));
        await broker.publish(events);
      };
      try {
        await broker.consume({
          queue,
          bindingKeys: [type],
          prefetch: 5,
          maxRetries: 0,
          retryDelayMs: 5,
          handle: async (event) => void seen.add(event.id),
        });
        await publish(1);
        await waitFor(() => seen.size === 1);

        broker.reconnect();
        await publish(2);
        await waitFor(() => broker.isHealthy(), { message: 'reconnection' });
        await publish(1);
        // At-least-once: a delivery whose ack died with the old channel comes again, so count ids.
        await waitFor(() => published.every((id) => seen.has(id)), { message: 'all four events' });
      } finally {
        await broker.close();
        for (const q of consumerQueues(queue, { maxRetries: 0, retryDelayMs: 5 })) {
          await channel.deleteQueue(q);
        }
        await connection.close();
      }
    });
  });

  describe('when the broker refuses the connection', () => {
    it.each([
      ['a virtual host it lacks', (u: URL) => (u.pathname = '/no-such-vhost'), /virtual host/],
      ['a wrong password', (u: URL) => (u.password = 'not-the-password'), /user name or password/],
    ])('names RABBITMQ_URL and the refusal for %s, password hidden', async (_, spoil, why) => {
      const wrong = new URL(url);
      spoil(wrong);
      const [logged, errors]: string[][] = [[], []];
      const broker = new RabbitMqBroker(wrong.toString(), {
        log: (m) => logged.push(m),
        logError: (m) => errors.push(m),
      });
      try {
        // A setting to fix: told as an error, not as an outage's warning.
        const line = await waitFor(() => errors.find((m) => m.startsWith('RABBITMQ_URL: ')), {
          message: 'the refusal to be logged',
        });
        expect(logged.filter((m) => m.startsWith('RABBITMQ_URL: '))).toEqual([]);
        expect(line).toMatch(why);
        expect(line).not.toContain(wrong.password);
      } finally {
        await broker.close();
      }
    });

    it('asks again less and less often, where it logged in every second for ever', async () => {
      const wrong = new URL(url);
      wrong.password = 'not-the-password';
      const settings = {
        ...{ url: wrong.toString(), shownUrl: '-', heartbeatIntervalInSeconds: 5 },
        ...{ reconnectTimeInSeconds: 0.05, log: () => undefined, isClosed: () => false },
      };
      const { manager } = openConnection('publish', settings, {});
      try {
        // 0.05 s doubled at each refusal: 0.1, 0.2, 0.4 ...
        await waitFor(() => manager.reconnectTimeInSeconds >= 0.4, { message: 'a longer wait' });
      } finally {
        await manager.close();
      }
    });

    it('says so when it starts refusing after an outage, not only that it is unreachable', async () => {
      const target = new URL(url);
      const proxy = await startTcpProxy(
        { host: target.hostname, port: Number(target.port || 5672) },
        { refusing: true },
      );
      const wrong = new URL(url);
      wrong.host = `127.0.0.1:${proxy.port}`;
      wrong.pathname = '/no-such-vhost';
      const logged: string[] = [];
      const broker = new RabbitMqBroker(wrong.toString(), { log: (m) => logged.push(m) });
      try {
        await waitFor(() => logged.some((m) => m.startsWith('RabbitMQ unreachable')), {
          message: 'the outage to be logged',
        });
        proxy.refuse(false);
        await waitFor(() => logged.some((m) => m.startsWith('RABBITMQ_URL: ')), {
          message: 'the refusal to be logged',
        });
      } finally {
        await broker.close();
        await proxy.close();
      }
    });
  });

  describe('when a retry or dead-letter queue was deleted by hand', () => {
    it('declares it again and loses no message, where the copy sent to it vanished', async () => {
      const { connection, channel } = await openAdmin();
      const logged: string[] = [];
      const broker = new RabbitMqBroker(url, { log: (m) => logged.push(m) });
      const { queue, type, spec, consume } = freshQueue('lost-queues', {
        maxRetries: 1,
        retryDelayMs: 20,
      });
      const attempts = new Map<string, number>();
      try {
        await consume(broker, async (event) => {
          attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
          throw new Error('downstream unavailable');
        });
        for (const q of consumerQueues(queue, spec).filter((q) => q !== queue)) {
          await channel.deleteQueue(q);
        }
        const event = cloudEvent(type);
        await broker.publish([event]);

        // Retried once, then dead-lettered: through both queues that were gone.
        const dead = await waitFor(
          async () => (await broker.deadLetters(queue)).find((d) => d.messageId === event.id),
          { timeoutMs: 15_000, message: 'the dead letter' },
        );
        expect(dead.reason).toMatch(/downstream unavailable/);
        expect(logged).toContainEqual(expect.stringMatching(/retry\.20ms does not exist/));
        expect(attempts.get(event.id)).toBeGreaterThanOrEqual(2);
      } finally {
        await broker.close();
        await dropQueues({ connection, channel }, queue, spec);
      }
    });
  });

  describe('when the dead-letter queue refuses every message', () => {
    const spec = { maxRetries: 0, retryDelayMs: 5 };
    let admin: Awaited<ReturnType<typeof openAdmin>>;
    let broker: RabbitMqBroker;
    let queue: string;
    let logged: string[];
    let calls: number;

    /** A consumer whose handler always fails, and a full dead-letter queue that nacks each move to it. */
    beforeEach(async () => {
      admin = await openAdmin();
      logged = [];
      calls = 0;
      broker = new RabbitMqBroker(url, { log: (m) => logged.push(m) });
      queue = `contract-test.${randomUUID()}`;
    });
    afterEach(async () => {
      await broker.close();
      for (const q of consumerQueues(queue, spec)) await admin.channel.deleteQueue(q);
      await admin.connection.close();
    });
    const publishPoison = async () => {
      const type = `contract.${randomUUID()}.settle-backoff.v1`;
      await broker.consume({
        queue,
        bindingKeys: [type],
        prefetch: 1,
        ...spec,
        handle: async () => {
          calls += 1;
          throw new Error('poison');
        },
      });
      await admin.channel.deleteQueue(deadLetterQueue(queue));
      await admin.channel.assertQueue(deadLetterQueue(queue), {
        durable: true,
        arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
      });
      const event = cloudEvent(type);
      await broker.publish([event]);
      return event;
    };
    const handingBackIn = (ms: number) =>
      logged.some((m) => m.includes(`could not settle a message, handing it back in ${ms} ms`));

    it('hands the message back after a growing wait, and dead-letters it once the queue takes it', async () => {
      const event = await publishPoison();

      // Four failed settles in a row (waits of 100, 200, 400, then 800 ms), or far more
      // handler runs than such waits allow, as when a failed settle is handed back at once.
      await waitFor(() => handingBackIn(800) || calls > 100, {
        message: 'the fourth failed settle',
      });
      expect(calls).toBeLessThanOrEqual(6);
      expect(logged.join('\n')).not.toContain(JSON.stringify(event)); // never the body

      // The cause removed: the next attempt settles, and the message is kept, not lost.
      await admin.channel.deleteQueue(deadLetterQueue(queue));
      await admin.channel.assertQueue(deadLetterQueue(queue), { durable: true });
      const dead = await waitFor(
        async () => (await broker.deadLetters(queue)).find((d) => d.messageId === event.id),
        { timeoutMs: 15_000, message: 'the dead letter' },
      );
      expect(dead.reason).toMatch(/poison/);
      expect(calls).toBeLessThanOrEqual(8);
      expect((await admin.channel.checkQueue(queue)).messageCount).toBe(0);
    });

    it('closes without waiting out the wait, handing the held message back to the queue', async () => {
      await publishPoison();
      await waitFor(() => handingBackIn(1600), { message: 'a 1600 ms wait' });

      // Far less than the wait it holds the message for (a close takes tens of ms).
      const started = Date.now();
      await broker.close();
      expect(Date.now() - started).toBeLessThan(1600);
      await waitFor(async () => (await admin.channel.checkQueue(queue)).messageCount === 1, {
        message: 'the message back in its queue',
      });
    });
  });

  describe('when one of a consumer’s queues can no longer be declared as it is', () => {
    it('waits longer before each reconnect, where it reconnected every second', async () => {
      const { connection, channel } = await openAdmin();
      const logged: string[] = [];
      const broker = new RabbitMqBroker(url, { log: (m) => logged.push(m) });
      const { queue, spec, consume } = freshQueue('redeclared', { maxRetries: 1, retryDelayMs: 5 });
      const [, , retryQueue] = consumerQueues(queue, spec);
      try {
        await consume(broker, async () => undefined);
        // Another process declares the retry queue with other arguments, then the connection drops.
        await channel.deleteQueue(retryQueue);
        await channel.assertQueue(retryQueue, { durable: true, arguments: { 'x-max-length': 5 } });
        broker.reconnect();
        await waitFor(() => logged.some((m) => /reconnecting in 2 s, as it came back/.test(m)), {
          timeoutMs: 10_000,
          message: 'the channel error coming back after the reconnect',
        });
        expect(logged.at(-1)).toMatch(/PRECONDITION_FAILED/);
      } finally {
        await broker.close();
        await dropQueues({ connection, channel }, queue, spec);
      }
    });
  });

  describe('when RabbitMQ blocks a connection over an alarm', () => {
    it('says which, what waits, and again when it clears', async () => {
      const logged: string[] = [];
      const broker = new RabbitMqBroker(url, { log: (m) => logged.push(m) });
      try {
        for (const manager of Object.values(managersOf(broker))) {
          manager.emit('blocked', { reason: 'low on memory' });
          manager.emit('unblocked');
        }
        expect(logged).toEqual([
          'RabbitMQ (publish) blocked the connection (low on memory); publishes, and consumers’ retry and dead-letter copies, wait until it clears',
          'RabbitMQ (publish) unblocked the connection',
          'RabbitMQ (consume) blocked the connection (low on memory); acks wait until it clears',
          'RabbitMQ (consume) unblocked the connection',
        ]);
      } finally {
        await broker.close();
      }
    });
  });

  describe('when the connection drops while handlers run', () => {
    it('lets RabbitMQ redeliver what they were handling, holding nothing and counting no failed settle', async () => {
      const { connection, channel } = await openAdmin();
      const logged: string[] = [];
      const broker = new RabbitMqBroker(url, { log: (m) => logged.push(m) });
      const { queue, type, spec, consume } = freshQueue('cut-mid-handler');
      const handled: string[] = [];
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      try {
        await consume(broker, async (event) => {
          handled.push(event.id);
          await gate;
        });
        const events = Array.from({ length: 5 }, () => cloudEvent(type));
        await broker.publish(events);
        await waitFor(() => handled.length === 5, { message: 'five handlers running' });

        broker.reconnect();
        // All five again on the new channel: the old one, and its unsettled messages, are gone.
        // At least: at-least-once delivery may bring one again.
        await waitFor(() => handled.length >= 10, { message: 'the five redelivered' });
        open(); // the first five now settle on the closed channel

        await waitFor(async () => (await channel.checkQueue(queue)).messageCount === 0);
        const settleFailed = (m: string) => /could not settle|channel closed before/.test(m);
        await waitFor(() => logged.filter(settleFailed).length === 5, {
          message: 'five settles refused by the closed channel',
        });
        expect(logged.filter((m) => m.includes('could not settle'))).toEqual([]);
        expect(new Set(handled)).toEqual(new Set(events.map((e) => e.id)));
        expect(await broker.deadLetters(queue)).toEqual([]);
      } finally {
        open();
        await broker.close();
        await dropQueues({ connection, channel }, queue, spec);
      }
    });
  });

  describe('when a consumer is stopped while its channel reopens after a reconnect', () => {
    it('closes that channel, where nothing else would until the connection closed', async () => {
      const { connection, channel } = await openAdmin();
      const broker = new RabbitMqBroker(url, { log: quiet });
      const { queue, spec, consume } = freshQueue('stopped-mid-reopen');
      const manager = managersOf(broker).consume;
      try {
        const consumer = await consume(broker, async () => {});
        let reopened: { connection: ChannelModel; stopped: Promise<void> } | undefined;
        // Listeners run in order: the consumer's wrapper has already asked for its new channel.
        manager.once('connect', ({ connection }: { connection: ChannelModel }) => {
          reopened = { connection, stopped: consumer.cancel() };
        });
        broker.reconnect();
        await waitFor(() => reopened, { message: 'the reconnect' });
        await reopened!.stopped;
        // The consuming connection has no other channel.
        await waitFor(() => openChannels(reopened!.connection) === 0, {
          message: "the stopped consumer's channel to close",
        });
        expect(await consumersOf(connection, queue)).toBe(0);
      } finally {
        await broker.close();
        await dropQueues({ connection, channel }, queue, spec);
      }
    });
  });

  describe('when the connection drops before RabbitMQ answers its close', () => {
    it('finishes closing, where amqplib never settles such a close', async () => {
      // The close never reaches RabbitMQ: the socket dies.
      const { broker, proxy } = await brokerCutAt(isConnectionClose);
      try {
        await waitFor(() => broker.isHealthy(), { message: 'connected through the proxy' });
        let closed = false;
        void broker.close().then(() => (closed = true));
        await waitFor(() => closed, { timeoutMs: 5_000, message: 'the close to finish' });
      } finally {
        await proxy.close();
      }
    });
  });

  describe('when the connection drops before RabbitMQ answers a forced reconnect’s close', () => {
    it('connects again and consumes what is published then, where the manager would hold the dead connection', async () => {
      const { broker, proxy } = await brokerCutAt(isConnectionClose, 10_000);
      const { queue, type, spec, consume } = freshQueue('forced-reconnect');
      const seen = new Set<string>();
      const { connection, channel } = await openAdmin();
      try {
        await consume(broker, async (event) => void seen.add(event.id));
        await waitFor(async () => (await consumersOf(connection, queue)) === 1, {
          message: 'the consumer through the proxy',
        });
        broker.reconnect(); // its close is cut: the socket dies unanswered
        const event = cloudEvent(type);
        await broker.publish([event]);
        await waitFor(() => seen.has(event.id), { timeoutMs: 10_000, message: 'the event' });
      } finally {
        await broker.close();
        await proxy.close();
        await dropQueues({ connection, channel }, queue, spec);
      }
    });
  });

  describe('when the connection drops before RabbitMQ answers a dead-letter listing’s channel close', () => {
    it('settles the listing, where amqplib never settles such a close', async () => {
      const { broker, proxy } = await brokerCutAt(isChannelClose);
      const { queue, spec, consume } = freshQueue('dlq-close');
      const { connection, channel } = await openAdmin();
      try {
        await consume(broker, async () => undefined);
        let settled = false;
        void broker.deadLetters(queue).then(
          () => (settled = true),
          () => (settled = true),
        );
        await waitFor(() => settled, { timeoutMs: 5_000, message: 'the listing to settle' });
      } finally {
        await broker.close();
        await proxy.close();
        await dropQueues({ connection, channel }, queue, spec);
      }
    });
  });

  describe('when the broker cannot be reached', () => {
    it('rejects a publish after the timeout instead of hanging or dropping it', async () => {
      const broker = new RabbitMqBroker('amqp://guest:guest@127.0.0.1:1', {
        log: quiet,
        publishTimeoutMs: 200,
      });
      try {
        expect(broker.isHealthy()).toBe(false);
        await expect(broker.publish([cloudEvent('contract.nowhere.v1')])).rejects.toThrow(
          /^RabbitMQ at amqp:\/\/\*\*\*@127\.0\.0\.1:1 did not confirm the publish within 200 ms/,
        );
      } finally {
        await broker.close();
      }
    });

    it('starts a consumer without waiting, which registers and consumes once the broker is reachable', async () => {
      const { connection, channel } = await openAdmin();
      const target = new URL(url);
      // Nothing answers at first: the broker appears later, on the same port.
      const proxy = await startTcpProxy(
        { host: target.hostname, port: Number(target.port) },
        { refusing: true },
      );
      const logged: string[] = [];
      const broker = new RabbitMqBroker(`amqp://guest:guest@127.0.0.1:${proxy.port}`, {
        log: (m) => logged.push(m),
        reconnectTimeInSeconds: 0.1,
      });
      const queue = `contract-test.${randomUUID()}`;
      const type = `contract.${randomUUID()}.late-broker.v1`;
      const seen: string[] = [];
      try {
        await broker.consume({
          queue,
          bindingKeys: [type],
          prefetch: 5,
          maxRetries: 0,
          retryDelayMs: 5,
          handle: async (event) => void seen.push(event.id),
        });
        expect(broker.isHealthy()).toBe(false);
        expect(logged.some((m) => m.includes(`${queue}: RabbitMQ unreachable`))).toBe(true);

        proxy.refuse(false);
        await waitFor(async () => (await consumersOf(connection, queue)) === 1, {
          message: 'the consumer registered after the broker appeared',
        });
        const event = cloudEvent(type);
        channel.publish(PLATFORM_EXCHANGE, type, Buffer.from(JSON.stringify(event)));
        await waitFor(() => seen.includes(event.id), { message: 'the event consumed' });
      } finally {
        await broker.close();
        await proxy.close();
        for (const q of consumerQueues(queue, { maxRetries: 0, retryDelayMs: 5 })) {
          await channel.deleteQueue(q);
        }
        await connection.close();
      }
    });
  });
});
