import { connect } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { PLATFORM_EXCHANGE, type CloudEvent } from '../../contracts';
import {
  CheckpointConflictError,
  type CheckpointStore,
  type LeaseStore,
} from '../../read-store/coordination.port';
import type { Random } from '../../testing/seeded-random';
import { startTcpProxy } from '../../testing/tcp-proxy';
import type { Broker } from '../broker.port';
import type { Forwarder } from '../forwarder';
import { InProcessBroker } from '../in-process/in-process-broker';
import { RabbitMqBroker } from '../rabbitmq/rabbitmq-broker';
import type { ChaosRecord } from './forwarder-chaos-invariants';

/** What a publish waits for a confirm before it fails, as the RabbitMQ adapter's timeout. */
export const CONFIRM_TIMEOUT_MS = 300;

export type OutageMode = 'reject' | 'unconfirmed';
/** A slow store connection: each call made late, or answered late. */
export type Lateness = 'call' | 'answer';

const quiet = () => undefined;
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Where the forwarders publish, and what a consumer bound to the type received. */
export interface Bus {
  received: CloudEvent[];
  /** One instance's broker: its own connection where the broker has connections. */
  brokerFor(): Broker;
  /** Cuts every connection to the broker for `ms`, refusing new ones meanwhile. */
  cut?(ms: number): Promise<void>;
  /** Drops one connection, as a network failure would; the library reconnects. */
  reconnect?(random: Random): void;
  close(): Promise<void>;
}

export async function inProcessBus(type: string): Promise<Bus> {
  const broker = new InProcessBroker({ log: quiet });
  const received: CloudEvent[] = [];
  await broker.consume({
    ...{ queue: `chaos.${randomUUID()}`, bindingKeys: [type], prefetch: 10 },
    ...{ maxRetries: 0, retryDelayMs: 1, handle: async (e) => void received.push(e) },
  });
  return { received, brokerFor: () => broker, close: () => broker.close() };
}

/** RabbitMQ behind a proxy the test cuts; the consumer connects directly, so it misses nothing. */
export async function rabbitBus(url: string, type: string): Promise<Bus> {
  const target = new URL(url);
  const upstream = { host: target.hostname, port: Number(target.port || 5672) };
  const proxy = await startTcpProxy(upstream);
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);

  const connection = await connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(PLATFORM_EXCHANGE, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, PLATFORM_EXCHANGE, type);
  const received: CloudEvent[] = [];
  await channel.consume(queue, (m) => m && received.push(JSON.parse(m.content.toString())), {
    noAck: true,
  });
  const brokers: RabbitMqBroker[] = [];
  return {
    received,
    brokerFor() {
      const options = { publishTimeoutMs: CONFIRM_TIMEOUT_MS, reconnectTimeInSeconds: 0.05 };
      const broker = new RabbitMqBroker(proxied.toString(), { log: quiet, ...options });
      brokers.push(broker);
      return broker;
    },
    async cut(ms) {
      proxy.refuse(true);
      await pause(ms);
      proxy.refuse(false);
    },
    reconnect: (random) => random.pick(brokers).reconnect(),
    async close() {
      await Promise.all(brokers.map((b) => b.close()));
      await connection.close();
      await proxy.close();
    },
  };
}

/**
 * One instance's process. `kill` freezes it as a crash would: no call it has
 * in flight or makes later returns, and it releases nothing. `bury` fails
 * those calls, so that the test can stop what it started.
 */
export function mortal() {
  let dead = false;
  let buried = false;
  const held = new Set<(error: Error) => void>();
  const hold = <T>() =>
    new Promise<T>((_, reject) => (buried ? reject(new Error('killed')) : held.add(reject)));
  return {
    isDead: () => dead,
    kill: () => void (dead = true),
    bury() {
      buried = true;
      held.forEach((reject) => reject(new Error('killed')));
    },
    call<T>(f: () => Promise<T>): Promise<T> {
      if (dead) return hold<T>();
      return f().then(
        (value) => (dead ? hold<T>() : value),
        (error) => (dead ? hold<T>() : Promise.reject(error)),
      );
    },
  };
}

export interface Instance {
  owner: string;
  life: ReturnType<typeof mortal>;
  forwarder: Forwarder;
  /** While set, its lease and checkpoint calls are made, or answered, once `over` resolves. */
  slow?: { late: Lateness; over: Promise<void> };
  /** Told to stop, it finishes the batch in hand; once `stop()` has returned, it calls nothing. */
  stop?: 'stopping' | 'stopped';
}

/**
 * The broker and the coordination store as each instance sees them. Store
 * faults are drawn from `random` as the run goes, apart from the plan, until
 * `calm()`; broker outages and slow stores come when the plan says.
 */
export function injectFaults(options: {
  random: Random;
  saveFaultRate: number;
  leaseFaultRate: number;
  coordination: CheckpointStore & LeaseStore;
  record: ChaosRecord;
  live: () => Instance[];
}) {
  const { random, coordination, record, live } = options;
  let calm = false;
  let outage: OutageMode | undefined;
  const unconfirmed = new Set<() => void>();

  /** Held until the outage ends (then published) or the confirm times out. */
  const confirmLater = () =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        unconfirmed.delete(done);
        resolve(false);
      }, CONFIRM_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      unconfirmed.add(done);
    });

  /** A call to the coordination store, late while the instance's connection to it is slow. */
  const coordinate = <T>(me: Instance, f: () => Promise<T>) =>
    me.life.call(async () => {
      record.atWork(me);
      const slow = me.slow;
      if (slow?.late === 'call') await slow.over;
      const result = await f().catch(async (error) => {
        if (slow?.late === 'answer') await slow.over;
        throw error;
      });
      if (slow?.late === 'answer') await slow.over;
      return result;
    });

  return {
    /** The chaos is over: the stores fail no more, so that the forwarders can drain. */
    calm: () => void (calm = true),

    /** The broker refuses publishes, or takes them and never confirms, for `ms`. */
    async outage(mode: OutageMode, ms: number) {
      const up = record.down();
      outage = mode;
      await pause(ms);
      outage = undefined;
      up();
      unconfirmed.forEach((done) => done());
      unconfirmed.clear();
    },

    /** `me`'s lease and checkpoint calls made, or answered, late for `ms`. */
    async slow(me: Instance, late: Lateness, ms: number) {
      let over!: () => void;
      me.slow = { late, over: new Promise<void>((resolve) => (over = resolve)) };
      await pause(ms);
      me.slow = undefined;
      over();
    },

    /** Down during outages; each attempt recorded and checked. */
    broker: (broker: Broker, me: Instance): Broker => ({
      consume: (spec) => broker.consume(spec),
      deadLetters: (q) => broker.deadLetters(q),
      retryDeadLetters: (q, ids) => broker.retryDeadLetters(q, ids),
      discardDeadLetters: (q, ids) => broker.discardDeadLetters(q, ids),
      isHealthy: () => broker.isHealthy(),
      close: async () => undefined, // the bus closes its brokers
      publish: (events) =>
        me.life.call(async () => {
          record.publishing(me, live());
          if (outage === 'reject') throw new Error('broker unavailable');
          if (outage === 'unconfirmed' && !(await confirmLater()))
            throw new Error('publish not confirmed in time');
          record.handed.push(...events.map((e) => e.id));
          await broker.publish(events);
          record.confirmed(events);
        }),
    }),

    checkpoints: (me: Instance): CheckpointStore => ({
      load: (n) => coordinate(me, () => coordination.load(n)),
      save: (n, position, version) =>
        coordinate(me, async () => {
          const fault =
            !calm && random.next() < options.saveFaultRate
              ? random.pick(['unavailable', 'conflict', 'answer lost'] as const)
              : undefined;
          if (fault === 'unavailable') throw new Error('checkpoint store unavailable');
          if (fault === 'conflict') throw new CheckpointConflictError(n, version);
          const next = await coordination.save(n, position, version);
          record.saved(position, me.owner);
          if (fault === 'answer lost') throw new Error('connection lost before the answer');
          return next;
        }),
    }),

    leases: (me: Instance): LeaseStore => ({
      tryAcquire: (n, o, ms) =>
        coordinate(me, async () => {
          if (!calm && random.next() < options.leaseFaultRate)
            throw new Error('lease store unavailable');
          const held = await coordination.tryAcquire(n, o, ms);
          if (held) record.holder = me.owner;
          return held;
        }),
      release: (n, o) => coordinate(me, () => coordination.release(n, o)),
    }),
  };
}
