import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import {
  connect,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type Message,
} from 'amqplib';
import { CLOUDEVENTS_CONTENT_TYPE, PLATFORM_EXCHANGE } from '../../contracts';
import { redactCredentials } from '../../platform/config/config-error';
import { seededRandom, type Random } from '../../testing/seeded-random';
import { startTcpProxy, unusedPort } from '../../testing/tcp-proxy';
import { waitFor } from '../../testing/wait-for';
import {
  DEAD_LETTER_REASON_HEADER,
  RETRY_COUNT_HEADER,
  deadLetterQueue,
  type ConsumeSpec,
  type ConsumerHandle,
  type DeadLetter,
  type DeliveryInfo,
} from '../broker.port';
import { consumerQueues } from '../delivery';
import { cloudEvent } from '../testing/fixtures';
import { rabbitMqReachable } from '../testing/rabbitmq-probe';
import { RabbitMqBroker } from './rabbitmq-broker';
import type { ConsumerOptions } from './rabbitmq-consumer';

const SEED = Number(process.env.CONSUMER_CHAOS_SEED ?? 1);
const url = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const reachable = rabbitMqReachable(url);
const required = process.env.CI === 'true';
if (!reachable && !required) process.stdout.write(`skipped: no RabbitMQ at ${url}\n`);

if (!reachable && required) {
  describe('RabbitMqConsumer under chaos', () => {
    it('needs RabbitMQ in CI', () => {
      throw new Error(`no RabbitMQ at ${redactCredentials(url)}, and CI=true requires it`);
    });
  });
}

type Fate = 'ok' | 'flaky' | 'doomed' | 'invalid';
/**
 * `stop-start`: a consumer is stopped, and its replacement started as its instance reconnects.
 * `cut-stop-start`: the connection drops, and the consumer is stopped as it subscribes again.
 */
type Chaos = 'channel-error' | 'cut' | 'stop-start' | 'cut-stop-start';
const WAVES = 6;
const dies = (fate: Fate) => fate === 'doomed' || fate === 'invalid';

/** One published copy; duplicates share the message id and differ in their `x-copy` header. */
interface Copy {
  key: string;
  id: string;
  fate: Fate;
  /** flaky: handler failures before it succeeds (at most maxRetries). */
  failures: number;
  slowMs: number;
  body: Buffer;
  headers: Record<string, string>;
}

interface Instance {
  name: string;
  broker: RabbitMqBroker;
  port: number;
  proxy: { close: () => Promise<void> };
}

interface Consumer {
  label: string;
  instance: Instance;
  handle: ConsumerHandle;
  prefetch: number;
}

interface Call {
  key: string;
  consumer: string;
  attempt: number;
  ok?: boolean;
  ended: boolean;
}

interface Stop {
  label: string;
  runningThen: number;
  callsThen: number;
  /** Stopped as it subscribed again: still subscribed on that channel after the stop began. */
  leftSubscribed?: boolean;
}

/** The seeded plan: what is published, in which waves, and the chaos after each wave. */
function plan(r: Random, type: string, maxRetries: number) {
  const copies: Copy[] = [];
  for (let n = 0; n < 50 + r.int(30); n++) {
    const x = r.next();
    const fate: Fate = x < 0.4 ? 'ok' : x < 0.65 ? 'flaky' : x < 0.92 ? 'doomed' : 'invalid';
    const event = cloudEvent(type, { n });
    const tenant = `tenant-${r.int(5)}`;
    const slowMs = r.next() < 0.35 ? 50 + r.int(250) : 0;
    const failures = fate === 'flaky' ? 1 + r.int(maxRetries) : 0;
    for (let copy = 1; copy <= (r.next() < 0.2 ? 2 : 1); copy++) {
      const body = Buffer.from(fate === 'invalid' ? `{not json ${n}` : JSON.stringify(event));
      const headers = { 'x-copy': String(copy), 'x-tenant': tenant };
      copies.push({
        key: `${event.id}#${copy}`,
        id: event.id,
        fate,
        failures,
        slowMs,
        body,
        headers,
      });
    }
  }
  const shuffle = <T>(xs: T[]) =>
    xs
      .map((x) => ({ x, k: r.next() }))
      .sort((a, b) => a.k - b.k)
      .map(({ x }) => x);
  // A duplicate may come in another wave than its first copy.
  const waves: Copy[][] = Array.from({ length: WAVES }, () => []);
  shuffle(copies).forEach((c, i) => waves[i % WAVES].push(c));
  const chaos: Chaos[] = [
    'stop-start',
    'cut-stop-start',
    r.pick(['channel-error', 'cut'] as const),
  ];
  while (chaos.length < WAVES - 1) {
    chaos.push(r.pick(['channel-error', 'cut', 'stop-start', 'cut-stop-start'] as const));
  }
  return { copies, waves, chaos: shuffle(chaos) };
}

(reachable ? describe : describe.skip)('RabbitMqConsumer under chaos', () => {
  const r = seededRandom(SEED);
  const queueType = r.pick(['classic', 'quorum'] as const);
  const maxRetries = 1 + r.int(3);
  const retryDelayMs = 10 + r.int(30);
  const type = `chaos.${randomUUID()}.v1`;
  const queue = `chaos-test.${randomUUID()}`;
  const queues = consumerQueues(queue, { maxRetries, retryDelayMs });
  const { copies, waves, chaos } = plan(r, type, maxRetries);
  const byKey = new Map(copies.map((c) => [c.key, c]));
  const target = new URL(url);
  const upstream = { host: target.hostname, port: Number(target.port) };

  const calls: Call[] = [];
  const logged: string[] = [];
  const stops: Stop[] = [];
  const consumers: Consumer[] = [];
  const instances: Instance[] = [];
  /** Handlers of a consumer wait on its gate, once their own work is done. */
  const gates = new Map<string, { wait: Promise<void>; open: () => void }>();
  let admin: { connection: ChannelModel; channel: ConfirmChannel } | undefined;
  let ops: RabbitMqBroker | undefined;
  /** Starts and closes that failed during a reconnect. */
  const refused: string[] = [];
  let left: Record<string, number> = {};
  let dead: DeadLetter[] = [];

  const fail = (message: string): never => {
    throw new Error(`CONSUMER_CHAOS_SEED=${SEED} (${queueType}): ${message}`);
  };
  const holds = (violations: string[]) => {
    if (violations.length === 0) return;
    fail(`${violations.length} violations\n  ${violations.slice(0, 15).join('\n  ')}`);
  };
  const callsOf = (label: string) => calls.filter((c) => c.consumer === label);
  const running = (label: string) => callsOf(label).filter((c) => !c.ended).length;
  const within = async <T>(work: Promise<T>, ms: number, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  };

  const spec = (label: string, prefetch: number): ConsumeSpec => ({
    queue,
    bindingKeys: [type],
    prefetch,
    maxRetries,
    retryDelayMs,
    handle: async (_event, info: DeliveryInfo) => {
      const copy = byKey.get(`${info.messageId}#${String(info.headers['x-copy'])}`);
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

  /** A service instance: its own broker, connected through a proxy the test can cut. */
  const openInstance = async (name: string): Promise<Instance> => {
    const port = await unusedPort();
    const proxy = await startTcpProxy(port, upstream);
    const broker = new RabbitMqBroker(`amqp://guest:guest@127.0.0.1:${port}`, {
      log: (m) => logged.push(`${name}: ${m}`),
      reconnectTimeInSeconds: 0.05,
      queueType,
    });
    const instance = { name, broker, port, proxy };
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

  /** The network drops the instance's connection; it comes back at once on the same port. */
  const cut = async (instance: Instance) => {
    await instance.proxy.close();
    instance.proxy = await startTcpProxy(instance.port, upstream);
  };

  /** No reconnect pending after a channel error, which would close the channel under test. */
  const steady = ({ name }: Instance) => {
    const mine = logged.filter((m) => m.startsWith(`${name}: `));
    const error = mine.findLastIndex((m) => m.includes('RabbitMQ closed the channel'));
    return error < 0 || mine.findLastIndex((m) => m.includes('forced reconnect')) > error;
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
        const found = live().filter((c) => running(c.label) > 0);
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
      runningThen: running(label),
      callsThen: callsOf(label).length,
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
    await cut(victim.instance);
    const { channel, subscribed } = await within(fresh, 5_000, `${victim.label} subscribing`);
    const stopping = victim.handle.cancel();
    let closed = false;
    channel.once('close', () => (closed = true));
    await subscribed.catch(() => undefined);
    const registered = (channel as unknown as { consumers: Map<string, unknown> }).consumers;
    const leftSubscribed = await waitFor(() => closed || registered.size === 0, {
      timeoutMs: 2_000,
    }).then(
      () => false,
      () => true,
    );
    openGate(victim.label);
    await stop(victim, stopping, leftSubscribed);
    await startConsumer(victim.instance, `${victim.label}'`, victim.prefetch);
  };

  const act = async (kind: Chaos) => {
    const victim = await busyConsumer();
    for (const { label } of live()) if (label !== victim.label) openGate(label);
    if (kind === 'channel-error') {
      // An ack of a tag the channel never had: RabbitMQ closes the channel (406), connection up.
      const raw = (victim.handle as unknown as { current?: { channel: ConfirmChannel } }).current;
      const errors = () => logged.filter((m) => m.includes('RabbitMQ closed the channel')).length;
      const before = errors();
      try {
        raw?.channel.ack({ fields: { deliveryTag: 999_999 } } as Message);
        await waitFor(() => errors() > before, { timeoutMs: 3_000, message: 'the channel error' });
      } catch {
        // Closed already by an earlier break, and not yet set up again.
      }
    } else if (kind === 'cut') {
      await cut(victim.instance);
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
    wrapper.once('close', () => void cut(instance));
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

  beforeAll(async () => {
    try {
      const connection = await connect(url);
      admin = { connection, channel: await connection.createConfirmChannel() };
      ops = new RabbitMqBroker(url, { log: () => undefined, queueType });
      const [a, b] = [await openInstance('a'), await openInstance('b')];
      await startConsumer(a, 'a0', 1 + r.int(8));
      for (let i = 0; i <= r.int(2); i++) await startConsumer(b, `b${i}`, 1 + r.int(8));

      for (const [i, wave] of waves.entries()) {
        if (chaos[i] === 'cut-stop-start') await holdHandlers();
        await publish(wave);
        if (chaos[i]) await act(chaos[i]);
      }
      await settled();
      // Closing hands back whatever a consumer still held: it would show in the queues.
      const [first, ...others] = instances;
      await duringReconnect(first, 'closing', () => within(first.broker.close(), 5_000, 'closing'));
      for (const instance of others) await closeAsConnectionDrops(instance);
      left = await queueCounts();
      dead = await ops.deadLetters(queue);
    } catch (error) {
      fail(`${(error as Error).message} (chaos: ${chaos.join(', ')})`);
    }
  }, 30_000);

  afterAll(async () => {
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
  });

  const deadOf = (key: string) =>
    dead.filter((d) => `${d.messageId}#${String(d.headers['x-copy'])}` === key);

  describe('when consumers compete, fail, lose their channel and are stopped and started', () => {
    it('handles or dead-letters every published copy, never both and never neither', () => {
      const violations: string[] = [];
      for (const c of copies) {
        const ok = calls.some((k) => k.key === c.key && k.ok);
        const deadLettered = deadOf(c.key).length > 0;
        const what = `${c.key} (${c.fate})`;
        if (ok && deadLettered) violations.push(`${what} handled and dead-lettered`);
        if (!ok && !deadLettered) violations.push(`${what} neither handled nor dead-lettered`);
        if (dies(c.fate) !== deadLettered)
          violations.push(`${what} dead-lettered: ${deadLettered}`);
      }
      for (const d of dead) {
        const key = `${d.messageId}#${String(d.headers['x-copy'])}`;
        if (!byKey.has(key)) violations.push(`unplanned dead letter ${key}: ${d.reason}`);
      }
      holds(violations);
    });

    it('succeeds a message on the attempt after its last planned failure', () => {
      holds(
        copies
          .filter((c) => !dies(c.fate))
          .flatMap((c) =>
            calls
              .filter((k) => k.key === c.key && k.ok && k.attempt !== c.failures)
              .map(
                (k) => `${c.key} (${c.fate}) succeeded on attempt ${k.attempt}, not ${c.failures}`,
              ),
          ),
      );
    });

    it('dead-letters an always failing message after the configured attempts, body and headers intact', () => {
      const violations: string[] = [];
      for (const c of copies.filter((c) => dies(c.fate))) {
        const attempts = new Set(calls.filter((k) => k.key === c.key).map((k) => k.attempt));
        if (attempts.size !== (c.fate === 'doomed' ? maxRetries + 1 : 0)) {
          violations.push(`${c.key} (${c.fate}) tried on attempts ${[...attempts].join(',')}`);
        }
        const reason =
          c.fate === 'doomed'
            ? `handler failed: doomed ${c.key} on attempt ${maxRetries}`
            : 'invalid JSON: ';
        for (const d of deadOf(c.key)) {
          const problems = [
            d.body !== c.body.toString('utf8') && 'body changed',
            !d.reason.startsWith(reason) && `reason "${d.reason}"`,
            d.headers[DEAD_LETTER_REASON_HEADER] !== d.reason && 'no reason header',
            d.type !== type && `type ${d.type}`,
            Object.entries(c.headers).some(([k, v]) => d.headers[k] !== v) && 'headers lost',
            c.fate === 'doomed' &&
              d.headers[RETRY_COUNT_HEADER] !== maxRetries &&
              `retry count ${String(d.headers[RETRY_COUNT_HEADER])}`,
          ].filter(Boolean);
          if (problems.length) violations.push(`${c.key}: ${problems.join(', ')}`);
        }
      }
      holds(violations);
    });

    it('leaves nothing unacked or waiting in a queue once every copy is settled', () => {
      const waiting = Object.entries(left).filter(
        ([q, n]) => q !== deadLetterQueue(queue) && n > 0,
      );
      holds(waiting.map(([q, n]) => `${n} messages left in ${q}`));
    });

    it('starts and closes while the connection is being re-established, rather than failing', () => {
      holds(refused);
    });

    it('ends the subscription of a consumer stopped as it subscribes again after a reconnect', () => {
      const raced = stops.filter((s) => s.leftSubscribed !== undefined);
      expect(raced.length).toBeGreaterThan(0);
      holds(
        raced
          .filter((s) => s.leftSubscribed)
          .map((s) => `${s.label} still subscribed on its new channel after its stop began`),
      );
    });

    it('runs no handler of a stopped consumer once its stop resolved', () => {
      holds(
        stops.flatMap((s) => {
          const later = callsOf(s.label).length - s.callsThen;
          return [
            ...(s.runningThen > 0 ? [`${s.label}: ${s.runningThen} handlers running then`] : []),
            ...(later > 0 ? [`${s.label}: ${later} messages handled after`] : []),
          ];
        }),
      );
    });

    it('never loops hot: handler runs and failed settles stay within what the chaos explains', () => {
      const perCopy = (maxRetries + 1) * 2 ** chaos.length;
      const prefetch = consumers.reduce((sum, c) => sum + c.prefetch, 0);
      const violations = copies.flatMap((c) => {
        const n = calls.filter((k) => k.key === c.key).length;
        return n > perCopy ? [`${c.key} (${c.fate}) handled ${n} times, over ${perCopy}`] : [];
      });
      const failedSettles = logged.filter((m) => m.includes('could not settle')).length;
      if (failedSettles > 2 * chaos.length * prefetch) {
        violations.push(`${failedSettles} failed settles`);
      }
      holds(violations);
    });
  });
});
