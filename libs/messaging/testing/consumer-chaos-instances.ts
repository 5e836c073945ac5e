import type { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { withTimeout } from '../../platform/async/with-timeout';
import {
  connect,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type Message,
} from 'amqplib';
import { CLOUDEVENTS_CONTENT_TYPE, PLATFORM_EXCHANGE } from '../../contracts';
import type { Random } from '../../testing/seeded-random';
import { startTcpProxy, type TcpProxy } from '../../testing/tcp-proxy';
import { waitFor } from '../../testing/wait-for';
import {
  deadLetterQueue,
  type ConsumeSpec,
  type ConsumerHandle,
  type DeliveryInfo,
} from '../broker.port';
import { consumerQueues } from '../delivery';
import type { QueueType } from '../rabbitmq/amqp-helpers';
import { RabbitMqBroker } from '../rabbitmq/rabbitmq-broker';
import type { ConsumerOptions } from '../rabbitmq/rabbitmq-consumer';
import {
  callsOf,
  copyKey,
  dies,
  running,
  type Call,
  type Chaos,
  type ChaosRecord,
  type Copy,
} from './consumer-chaos-invariants';

/** A service instance: its own broker, connected through a proxy the test can cut. */
export interface Instance {
  name: string;
  broker: RabbitMqBroker;
  proxy: TcpProxy;
}

export interface Consumer {
  label: string;
  instance: Instance;
  handle: ConsumerHandle;
  prefetch: number;
}

export interface ChaosSetup {
  url: string;
  /** Draws the victims, so one seed replays the same run. */
  r: Random;
  queue: string;
  type: string;
  queueType: QueueType;
  maxRetries: number;
  retryDelayMs: number;
  copies: Copy[];
}

/** Rejects once `ms` pass, so a hang fails the run instead of the test's timeout. */
export const within = <T>(work: Promise<T>, ms: number, what: string): Promise<T> =>
  withTimeout(work, ms, () => new Error(`${what} took over ${ms} ms`));

/**
 * Instances consuming one queue, each through its own cuttable proxy, with the chaos that
 * can hit them; every handler run, stop and refusal lands in `record`.
 */
export function consumerChaosHarness(setup: ChaosSetup) {
  const { url, r, queue, type, queueType, maxRetries, retryDelayMs, copies } = setup;
  const queues = consumerQueues(queue, { maxRetries, retryDelayMs });
  const byKey = new Map(copies.map((c) => [c.key, c]));
  const target = new URL(url);
  const upstream = { host: target.hostname, port: Number(target.port) };

  const record: ChaosRecord = { calls: [], stops: [], logged: [], refused: [], left: {}, dead: [] };
  const { calls, stops, logged, refused } = record;
  const consumers: Consumer[] = [];
  const instances: Instance[] = [];
  /** Handlers of a consumer wait on its gate, once their own work is done. */
  const gates = new Map<string, { wait: Promise<void>; open: () => void }>();
  let admin: { connection: ChannelModel; channel: ConfirmChannel } | undefined;
  let ops: RabbitMqBroker | undefined;

  /** Plays out the copy's planned fate, recording the run. */
  const spec = (label: string, prefetch: number): ConsumeSpec => ({
    queue,
    bindingKeys: [type],
    prefetch,
    maxRetries,
    retryDelayMs,
    handle: async (_event, info: DeliveryInfo) => {
      const copy = byKey.get(copyKey(info.messageId, info.headers));
      if (!copy) throw new Error(`unplanned message ${info.messageId}`);
      const call: Call = { key: copy.key, consumer: label, attempt: info.attempt, ended: false };
      calls.push(call);
      try {
        if (copy.slowMs) await delay(copy.slowMs); // the handler's own work
        await gates.get(label)?.wait;
        if (copy.fate === 'doomed' || info.attempt < copy.failures) {
          throw new Error(`${copy.fate} ${copy.key} on attempt ${info.attempt}`);
        }
        call.ok = true;
      } finally {
        call.ended = true;
      }
    },
  });

  /** The admin connection publishes and counts; `ops` reads the dead letters. */
  const open = async () => {
    const connection = await connect(url);
    admin = { connection, channel: await connection.createConfirmChannel() };
    ops = new RabbitMqBroker(url, { log: () => undefined, queueType });
  };

  const openInstance = async (name: string): Promise<Instance> => {
    const proxy = await startTcpProxy(upstream);
    const broker = new RabbitMqBroker(`amqp://guest:guest@127.0.0.1:${proxy.port}`, {
      log: (m) => logged.push(`${name}: ${m}`),
      reconnectTimeInSeconds: 0.05,
      queueType,
    });
    const instance = { name, broker, proxy };
    instances.push(instance);
    return instance;
  };
  const startConsumer = async (instance: Instance, label: string, prefetch: number) => {
    const handle = await instance.broker.consume(spec(label, prefetch));
    consumers.push({ label, instance, handle, prefetch });
  };

  const publish = async (wave: Copy[]) => {
    const { channel } = admin!;
    for (const c of wave) {
      channel.publish(PLATFORM_EXCHANGE, type, c.body, {
        persistent: true,
        messageId: c.id,
        type,
        contentType: CLOUDEVENTS_CONTENT_TYPE,
        headers: c.headers,
      });
    }
    await channel.waitForConfirms();
  };

  const live = () => consumers.filter((c) => !stops.some((s) => s.label === c.label));

  /** No reconnect pending after a channel error, which would close the channel under test. */
  const steady = ({ name }: Instance) => {
    const mine = logged.filter((m) => m.startsWith(`${name}: `));
    const error = mine.findLastIndex((m) => m.includes('RabbitMQ closed the channel'));
    return error < 0 || mine.findLastIndex((m) => m.includes('RabbitMQ reconnected')) > error;
  };

  /** Before a cut-stop-start wave: every handler is held once it starts, so the victim has one in flight. */
  const holdHandlers = async () => {
    await waitFor(() => instances.every(steady), { timeoutMs: 2_000 }).catch(() => undefined);
    for (const { label } of live()) {
      let open!: () => void;
      const wait = new Promise<void>((resolve) => (open = resolve));
      gates.set(label, { wait, open });
    }
  };
  const openGate = (label: string) => {
    gates.get(label)?.open();
    gates.delete(label);
  };

  /** A consumer with a handler running now, so the chaos hits messages in flight. */
  const busyConsumer = async (): Promise<Consumer> => {
    const busy = await waitFor(
      () => {
        const found = live().filter((c) => running(calls, c.label) > 0);
        return found.length ? found : undefined;
      },
      { timeoutMs: 3_000, message: 'a consumer with a handler running' },
    ).catch(() => live());
    return r.pick(busy);
  };

  const stop = async (victim: Consumer, stopping: Promise<void>, leftSubscribed?: boolean) => {
    const { label } = victim;
    await within(stopping, 5_000, `stopping ${label}`);
    stops.push({
      label,
      runningThen: running(calls, label),
      callsThen: callsOf(calls, label).length,
      leftSubscribed,
    });
  };

  /** Starts or closes while a reconnect closes the instance's connection. */
  const duringReconnect = async (
    { name, broker }: Instance,
    what: string,
    work: () => Promise<void>,
  ) => {
    await waitFor(() => broker.isHealthy(), { message: `${name} connected` });
    broker.reconnect();
    await work().catch((error: Error) => refused.push(`${what} on ${name}: ${error.message}`));
  };

  /**
   * Stops the victim just as its setup on the new connection's channel subscribes (past any
   * check for a stop made before), while one of its old handlers is still running.
   */
  const cutStopStart = async (victim: Consumer) => {
    const options = (victim.handle as unknown as { options: ConsumerOptions }).options;
    const watch = options.watchChannel;
    const fresh = new Promise<{ channel: Channel; subscribed: Promise<unknown> }>((resolve) => {
      options.watchChannel = (channel, label) => {
        watch(channel, label);
        options.watchChannel = watch;
        const consume = channel.consume.bind(channel);
        channel.consume = ((...args: Parameters<Channel['consume']>) => {
          const subscribed = consume(...args);
          resolve({ channel, subscribed });
          return subscribed;
        }) as Channel['consume'];
      };
    });
    victim.instance.proxy.cut(); // the network drops it; it comes back at once
    const { channel, subscribed } = await within(fresh, 5_000, `${victim.label} subscribing`);
    const stopping = victim.handle.cancel();
    let closed = false;
    channel.once('close', () => (closed = true));
    await subscribed.catch(() => undefined);
    const registered = (channel as unknown as { consumers: Map<string, unknown> }).consumers;
    // A cancel on a quorum queue is a replicated command: give a loaded machine time to answer it.
    const leftSubscribed = await waitFor(() => closed || registered.size === 0, {
      timeoutMs: 10_000,
    }).then(
      () => false,
      () => true,
    );
    openGate(victim.label);
    await stop(victim, stopping, leftSubscribed);
    await startConsumer(victim.instance, `${victim.label}'`, victim.prefetch);
  };

  /** Hits a busy consumer; the others' held handlers go on. */
  const act = async (kind: Chaos) => {
    const victim = await busyConsumer();
    for (const { label } of live()) if (label !== victim.label) openGate(label);
    if (kind === 'channel-error') {
      // An ack of a tag the channel never had: RabbitMQ closes the channel (406), connection up.
      const raw = (victim.handle as unknown as { current?: { channel: Channel } }).current;
      const errors = () => logged.filter((m) => m.includes('RabbitMQ closed the channel')).length;
      const before = errors();
      try {
        raw?.channel.ack({ fields: { deliveryTag: 999_999 } } as Message);
        await waitFor(() => errors() > before, { timeoutMs: 3_000, message: 'the channel error' });
      } catch {
        // Closed already by an earlier break, and not yet set up again.
      }
    } else if (kind === 'cut') {
      victim.instance.proxy.cut(); // the network drops it; it comes back at once
    } else if (kind === 'cut-stop-start') {
      await cutStopStart(victim);
    } else {
      const { label, instance, prefetch } = victim;
      await stop(victim, victim.handle.cancel());
      await duringReconnect(instance, `starting ${label}'`, () =>
        startConsumer(instance, `${label}'`, prefetch),
      );
    }
  };

  /** Closes the instance, its connection dropping as one of its channels closes. */
  const closeAsConnectionDrops = async (instance: Instance) => {
    const consumer = live().find((c) => c.instance === instance);
    const channel = r.pick(['consumer', 'publisher'] as const);
    const wrapper: EventEmitter =
      channel === 'consumer' && consumer
        ? (consumer.handle as unknown as { wrapper: EventEmitter }).wrapper
        : (instance.broker as unknown as { publisher: EventEmitter }).publisher;
    // A wrapper says `close` once it asked RabbitMQ to close the channel, before the answer.
    wrapper.once('close', () => instance.proxy.cut());
    await within(instance.broker.close(), 5_000, `closing ${instance.name} (${channel})`);
  };

  const queueCounts = async () => {
    const counts: Record<string, number> = {};
    for (const q of queues) counts[q] = (await admin!.channel.checkQueue(q)).messageCount;
    return counts;
  };

  /** Every copy handled or dead-lettered, and nothing moving: no queue, handler or count changes. */
  const settled = () => {
    const expectedDead = copies.filter((c) => dies(c.fate)).length;
    const succeeded = (key: string) => calls.some((k) => k.ok && k.key === key);
    let previous = '';
    return waitFor(
      async () => {
        const counts = await queueCounts();
        const now = JSON.stringify({ counts, calls: calls.length });
        const quiet =
          now === previous &&
          calls.every((c) => c.ended) &&
          queues.every((q) => q === deadLetterQueue(queue) || counts[q] === 0) &&
          counts[deadLetterQueue(queue)] >= expectedDead &&
          copies.every((c) => dies(c.fate) || succeeded(c.key));
        previous = now;
        return quiet;
      },
      { timeoutMs: 8_000, intervalMs: 50, message: 'every copy handled or dead-lettered' },
    );
  };

  /** Once every instance closed: what the queues kept, and the dead letters. */
  const collect = async () => {
    record.left = await queueCounts();
    record.dead = await ops!.deadLetters(queue);
  };

  const close = async () => {
    for (const instance of instances) {
      // Bounded, so a close that hangs still lets the queues below be deleted.
      await within(instance.broker.close(), 5_000, 'closing').catch(() => undefined);
      await instance.proxy.close();
    }
    await ops?.close();
    if (admin) {
      for (const q of queues) await admin.channel.deleteQueue(q).catch(() => undefined);
      await admin.connection.close();
    }
  };

  return {
    record,
    instances,
    consumers,
    open,
    openInstance,
    startConsumer,
    holdHandlers,
    publish,
    act,
    settled,
    duringReconnect,
    closeAsConnectionDrops,
    collect,
    close,
  };
}
