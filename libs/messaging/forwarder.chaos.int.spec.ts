import Database from 'better-sqlite3';
import { connect } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_EXCHANGE, type CloudEvent } from '../contracts';
import type { RecordedEvent, StreamAppend } from '../event-store/event-store.port';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store';
import { newEvent } from '../event-store/testing/event-store.contract';
import { redactCredentials } from '../platform/config/config-error';
import {
  CheckpointConflictError,
  type CheckpointStore,
  type LeaseStore,
} from '../read-store/coordination.port';
import { SqliteCoordination } from '../read-store/sqlite/sqlite-coordination';
import { seededRandom, type Random } from '../testing/seeded-random';
import { startTcpProxy, unusedPort } from '../testing/tcp-proxy';
import { waitFor } from '../testing/wait-for';
import type { Broker } from './broker.port';
import { startForwarder, type Forwarder } from './forwarder';
import { InProcessBroker } from './in-process/in-process-broker';
import { RabbitMqBroker } from './rabbitmq/rabbitmq-broker';
import { rabbitMqReachable } from './testing/rabbitmq-probe';

/** `FORWARDER_CHAOS_SEED=<n>` runs another plan; a failure prints its seed. */
const SEED = Number(process.env.FORWARDER_CHAOS_SEED ?? 20261127);
const CHAOS_MS = 2000;
const DRAIN_MS = 5000;
const TTL_MS = 400;
/** What a publish waits for a confirm before it fails, as the RabbitMQ adapter's timeout. */
const CONFIRM_TIMEOUT_MS = 300;

const url = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const reachable = rabbitMqReachable(url);
const required = process.env.CI === 'true';
if (!reachable && !required) process.stdout.write(`skipped: no RabbitMQ at ${url}\n`);
const quiet = () => undefined;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/** Where the forwarders publish, and what a consumer bound to the type received. */
interface Bus {
  received: CloudEvent[];
  /** One instance's broker: its own connection where the broker has connections. */
  brokerFor(): Broker;
  /** Cuts every connection to the broker for `ms`, refusing new ones meanwhile. */
  cut?(ms: number): Promise<void>;
  /** Drops one connection, as a network failure would; the library reconnects. */
  reconnect?(random: Random): void;
  close(): Promise<void>;
}

async function inProcessBus(type: string): Promise<Bus> {
  const broker = new InProcessBroker({ log: quiet });
  const received: CloudEvent[] = [];
  await broker.consume({
    ...{ queue: `chaos.${randomUUID()}`, bindingKeys: [type], prefetch: 10 },
    ...{ maxRetries: 0, retryDelayMs: 1, handle: async (e) => void received.push(e) },
  });
  return { received, brokerFor: () => broker, close: () => broker.close() };
}

/** RabbitMQ behind a proxy the test cuts; the consumer connects directly, so it misses nothing. */
async function rabbitBus(type: string): Promise<Bus> {
  const target = new URL(url);
  const upstream = { host: target.hostname, port: Number(target.port || 5672) };
  const port = await unusedPort();
  let proxy = await startTcpProxy(port, upstream);
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);

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
      await proxy.close();
      await pause(ms);
      proxy = await startTcpProxy(port, upstream);
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
function mortal() {
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

type Window = { at: number; ms: number };
interface Plan {
  instances: number;
  kills: number[];
  restarts: number[];
  /** The broker refuses publishes, or takes them and never confirms. */
  outages: Array<Window & { mode: 'reject' | 'unconfirmed' }>;
  /** RabbitMQ only: every connection cut, and single connections dropped. */
  cuts: Window[];
  reconnects: number[];
  /** One instance's leases and checkpoints slow: each call made late, or answered late. */
  slowStores: Array<Window & { late: 'call' | 'answer' }>;
  saveFaultRate: number;
  leaseFaultRate: number;
}

/** Times in ms from the start of the chaos; outages and cuts do not overlap each other. */
function plan(r: Random, rabbit: boolean): Plan {
  const windows: Window[] = [];
  for (let at = 100 + r.int(300); at < CHAOS_MS - 300;) {
    const ms = Math.min(100 + r.int(400), CHAOS_MS - at);
    windows.push({ at, ms });
    at += ms + 100 + r.int(400);
  }
  const cut = (i: number) => rabbit && i % 2 === 1;
  const times = (n: number, from = 0, to = CHAOS_MS) =>
    Array.from({ length: n }, () => from + r.int(to - from));
  return {
    instances: 2 + r.int(2),
    kills: times(1 + r.int(2), 200, CHAOS_MS - 400),
    restarts: times(r.int(2)),
    outages: windows
      .filter((_, i) => !cut(i))
      .map((w) => ({ ...w, mode: r.pick(['reject', 'unconfirmed'] as const) })),
    cuts: windows.filter((_, i) => cut(i)),
    reconnects: rabbit ? times(r.int(3)) : [],
    slowStores: times(1 + r.int(2), 100, CHAOS_MS - 800).map((at) => ({
      ...{ at, ms: Math.round(TTL_MS * (1.5 + r.next() * 1.5)) },
      late: r.pick(['call', 'answer'] as const),
    })),
    saveFaultRate: 0.02 + r.next() * 0.06,
    leaseFaultRate: r.next() * 0.03,
  };
}

interface Instance {
  owner: string;
  life: ReturnType<typeof mortal>;
  forwarder: Forwarder;
  /** While set, its lease and checkpoint calls are made, or answered, once `over` resolves. */
  slow?: { late: 'call' | 'answer'; over: Promise<void> };
  /** Told to stop, it finishes the batch in hand; once `stop()` has returned, it calls nothing. */
  stop?: 'stopping' | 'stopped';
}

describe('startForwarder under chaos', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const done of cleanup.splice(0).reverse()) await done().catch(() => undefined);
  });

  const scenario = async (openBus: (type: string) => Promise<Bus>, rabbit: boolean) => {
    const r = seededRandom(SEED);
    const faults = seededRandom(SEED + 1); // drawn as the run goes, apart from the plan
    const p = plan(r, rabbit);
    const name = `chaos-forwarder-${randomUUID()}`;
    const type = `test.chaos-${randomUUID()}.v1`;
    const streams = Array.from({ length: 12 }, (_, i) => `chaos-${i}-${randomUUID()}`);
    const dir = mkdtempSync(join(tmpdir(), 'forwarder-chaos-'));
    const path = join(dir, 'events.sqlite');
    const app = new SqliteEventStore(path, { synchronous: 'normal' });
    // Another process's connection to the same file: it hears of the appends through the file.
    const other = new SqliteEventStore(path, { synchronous: 'normal', crossProcessPollMs: 50 });
    const db = new Database(':memory:');
    const coordination = new SqliteCoordination(db);
    const bus = await openBus(type);
    cleanup.push(async () => {
      await bus.close();
      await Promise.all([app.close(), other.close()]);
      db.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const toCloudEvent = (e: RecordedEvent): CloudEvent | null =>
      e.data.quiet
        ? null
        : {
            ...{ specversion: '1.0', id: e.eventId, source: '/forwarder-chaos', type },
            ...{ time: e.metadata.occurredAt, subject: e.streamName },
            ...{ datacontenttype: 'application/json', correlationid: e.metadata.correlationId },
            data: { stream: e.streamName, revision: e.revision },
          };

    const violations = new Set<string>();
    const errors: string[] = [];
    let seq = 0; // orders confirmations and checkpoint saves
    const handed: string[] = []; // event ids in the order they reached the broker
    const confirmedAt = new Map<string, number>();
    const saves: Array<{ position: bigint; seq: number; owner: string }> = [];
    /** Broker outages and cuts as they happened, with the publish attempts made meanwhile. */
    const downtimes: Array<{ from: number; to: number; tries: number }> = [];
    let downtime: (typeof downtimes)[number] | undefined;
    let calm = false;
    let holder: string | undefined; // the owner last granted the lease
    let outage: Plan['outages'][number]['mode'] | undefined;
    const unconfirmed = new Set<() => void>();
    const instances: Instance[] = [];
    const live = () => instances.filter((i) => !i.life.isDead() && !i.stop);
    const stillAtWork = (me: Instance) => {
      if (me.stop === 'stopped') violations.add(`${me.owner} still at work after stop() returned`);
    };

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

    /** The broker as an instance sees it: down during outages, each attempt checked and counted. */
    const unreliable = (broker: Broker, me: Instance): Broker => ({
      consume: (spec) => broker.consume(spec),
      deadLetters: (q) => broker.deadLetters(q),
      retryDeadLetters: (q, ids) => broker.retryDeadLetters(q, ids),
      discardDeadLetters: (q, ids) => broker.discardDeadLetters(q, ids),
      isHealthy: () => broker.isHealthy(),
      close: async () => undefined, // the bus closes its brokers
      publish: (events) =>
        me.life.call(async () => {
          stillAtWork(me);
          if (downtime) downtime.tries += 1;
          if (!me.forwarder.isActive()) violations.add(`${me.owner} published while inactive`);
          for (const rival of live().filter((i) => i !== me && i.forwarder.isActive()))
            violations.add(`${me.owner} published while ${rival.owner} was active`);
          if (outage === 'reject') throw new Error('broker unavailable');
          if (outage === 'unconfirmed' && !(await confirmLater()))
            throw new Error('publish not confirmed in time');
          handed.push(...events.map((e) => e.id));
          await broker.publish(events);
          seq += 1;
          for (const e of events) if (!confirmedAt.has(e.id)) confirmedAt.set(e.id, seq);
        }),
    });

    /** A call to the coordination store, late while the instance's connection to it is slow. */
    const coordinate = <T>(me: Instance, f: () => Promise<T>) =>
      me.life.call(async () => {
        stillAtWork(me);
        const slow = me.slow;
        if (slow?.late === 'call') await slow.over;
        const result = await f().catch(async (error) => {
          if (slow?.late === 'answer') await slow.over;
          throw error;
        });
        if (slow?.late === 'answer') await slow.over;
        return result;
      });

    const checkpointsFor = (me: Instance): CheckpointStore => ({
      load: (n) => coordinate(me, () => coordination.load(n)),
      save: (n, position, version) =>
        coordinate(me, async () => {
          const fault =
            !calm && faults.next() < p.saveFaultRate
              ? faults.pick(['unavailable', 'conflict', 'answer lost'] as const)
              : undefined;
          if (fault === 'unavailable') throw new Error('checkpoint store unavailable');
          if (fault === 'conflict') throw new CheckpointConflictError(n, version);
          const next = await coordination.save(n, position, version);
          saves.push({ position, seq: ++seq, owner: me.owner });
          if (fault === 'answer lost') throw new Error('connection lost before the answer');
          return next;
        }),
    });

    const leasesFor = (me: Instance): LeaseStore => ({
      tryAcquire: (n, o, ms) =>
        coordinate(me, async () => {
          if (!calm && faults.next() < p.leaseFaultRate) throw new Error('lease store unavailable');
          const held = await coordination.tryAcquire(n, o, ms);
          if (held) holder = me.owner;
          return held;
        }),
      release: (n, o) => coordinate(me, () => coordination.release(n, o)),
    });

    const start = () => {
      const me = { owner: `instance-${instances.length}`, life: mortal() } as Instance;
      me.forwarder = startForwarder({
        ...{ name, owner: me.owner, ttlMs: TTL_MS, types: ['Happened'], map: toCloudEvent },
        store: r.pick([app, other]),
        checkpoints: checkpointsFor(me),
        leases: leasesFor(me),
        broker: unreliable(bus.brokerFor(), me),
        batchSize: 2 + r.int(9),
        checkpointEveryMs: r.pick([0, 20, 60]),
        onError: (e) => void errors.push(`${me.owner}: ${(e as Error).message}`),
        warn: (m) => void errors.push(`${me.owner}: ${m}`),
      });
      instances.push(me);
      cleanup.push(async () => {
        me.life.bury();
        await me.forwarder.stop();
      });
    };
    /** Mostly the lease holder, never a slowed instance: that one must outlive its lease. */
    const victim = () => {
      const unslowed = live().filter((i) => !i.slow);
      const candidates = unslowed.length ? unslowed : live();
      const held = candidates.find((i) => i.owner === holder);
      return held && r.next() < 0.75 ? held : r.pick(candidates);
    };

    // More than one instance active at once, looked for between the turns of the event loop.
    const sampler = setInterval(() => {
      const active = live().filter((i) => i.forwarder.isActive());
      if (active.length > 1) violations.add(`${active.map((i) => i.owner)} active together`);
    }, 5);
    cleanup.push(async () => clearInterval(sampler));

    const appender = async (random: Random, until: number) => {
      while (Date.now() < until) {
        const appends: StreamAppend[] = [];
        for (const streamName of new Set([random.pick(streams), random.pick(streams)])) {
          const events = Array.from({ length: 1 + random.int(3) }, () =>
            random.next() < 0.3
              ? newEvent('Internal')
              : newEvent('Happened', random.next() < 0.15 ? { quiet: true } : {}),
          );
          appends.push({ streamName, events, expected: 'any' });
        }
        await app.appendToStreams(appends);
        await pause(random.int(rabbit ? 30 : 15)); // RabbitMQ confirms fewer a second
      }
    };

    const down = () => {
      downtime = { from: Date.now(), to: Infinity, tries: 0 };
      downtimes.push(downtime);
      return () => {
        downtime!.to = Date.now();
        downtime = undefined;
      };
    };
    const steps: Array<{ at: number; act: () => unknown }> = [
      ...p.kills.map((at) => ({
        at,
        act: () => {
          victim().life.kill();
          start();
        },
      })),
      ...p.restarts.map((at) => ({
        at,
        act: async () => {
          // A deploy: one instance stops as it should, and a new one takes its place.
          const leaving = victim();
          start();
          leaving.stop = 'stopping';
          await leaving.forwarder.stop();
          leaving.stop = 'stopped';
        },
      })),
      ...p.outages.map(({ at, ms, mode }) => ({
        at,
        act: async () => {
          const up = down();
          outage = mode;
          await pause(ms);
          outage = undefined;
          up();
          unconfirmed.forEach((done) => done());
          unconfirmed.clear();
        },
      })),
      ...p.cuts.map(({ at, ms }) => ({ at, act: () => bus.cut!(ms).then(down()) })),
      ...p.reconnects.map((at) => ({ at, act: () => bus.reconnect!(r) })),
      ...p.slowStores.map(({ at, ms, late }) => ({
        at,
        act: async () => {
          // The instance at work, which must notice on its own that its lease ran out.
          const active = () => (downtime ? undefined : live().find((i) => i.forwarder.isActive()));
          const slowed = await waitFor(active, { timeoutMs: TTL_MS * 3 }).catch(victim);
          const over = deferred();
          slowed.slow = { late, over: over.promise };
          await pause(ms);
          slowed.slow = undefined;
          over.resolve();
        },
      })),
    ].sort((a, b) => a.at - b.at);

    try {
      // Concurrent appends go to the writer thread: started before the clock runs.
      const warmUp = `chaos-warm-up-${randomUUID()}`;
      for (let i = 0; i < 3; i++)
        await Promise.all([1, 2, 3].map(() => app.append(warmUp, [newEvent('Internal')], 'any')));
      for (let i = 0; i < p.instances; i++) start();
      const began = Date.now();
      const running: Array<Promise<unknown>> = [0, 1, 2].map((k) =>
        appender(seededRandom(SEED * 10 + k), began + CHAOS_MS),
      );
      for (const step of steps) {
        await pause(began + step.at - Date.now()); // the plan's pacing only
        running.push(Promise.resolve(step.act()));
      }
      await Promise.all(running);
      calm = true;

      const all = await app.readAll({ after: 0n, maxCount: 1_000_000 });
      const mapped = all.filter((e) => e.type === 'Happened' && !e.data.quiet);
      const byId = new Map(mapped.map((e) => [e.eventId, e]));
      const missing = () => {
        const received = new Set(bus.received.map((e) => e.id));
        return mapped.filter((e) => !received.has(e.eventId));
      };
      const lag = () => live()[0].forwarder.lag();
      await waitFor(async () => missing().length === 0 && (await lag()) === 0n, {
        timeoutMs: DRAIN_MS,
      }).catch(async () =>
        violations.add(
          `${DRAIN_MS} ms after the chaos, ${missing().length} of ${mapped.length} events ` +
            `not received and a lag of ${await lag()}`,
        ),
      );

      // Ids derive from the event: every copy, duplicates included, is the event's mapping.
      for (const e of bus.received) {
        const recorded = byId.get(e.id);
        if (!recorded || JSON.stringify(e) !== JSON.stringify(toCloudEvent(recorded)))
          violations.add(`received ${e.id}, which is no mapped event`);
      }
      // Each stream's events reach the broker first in stream order.
      const last = new Map<string, number>();
      for (const id of new Set(handed)) {
        const e = byId.get(id)!;
        if ((last.get(e.streamName) ?? -1) > e.revision)
          violations.add(`${e.streamName}@${e.revision} first published after a later revision`);
        last.set(e.streamName, e.revision);
      }
      // The checkpoint never moves back, nor past an event the broker has not confirmed.
      saves.forEach((s, i) => {
        if (i > 0 && s.position < saves[i - 1].position)
          violations.add(`${s.owner} moved the checkpoint back to ${s.position}`);
        const ahead = mapped.find(
          (e) => e.position <= s.position && !((confirmedAt.get(e.eventId) ?? Infinity) < s.seq),
        );
        if (ahead)
          violations.add(`${s.owner} saved ${s.position} before ${ahead.position} was confirmed`);
      });
      // Down is not busy: publish attempts while the broker is down stay at about one a renewal.
      for (const { from, to, tries } of downtimes) {
        if (tries > 3 + 2 * Math.ceil((to - from) / (TTL_MS / 3)))
          violations.add(`${tries} publish attempts in a ${to - from} ms outage`);
      }
      expect([...violations]).toEqual([]);
    } catch (error) {
      const e = error as Error;
      e.message =
        `FORWARDER_CHAOS_SEED=${SEED}, plan ${JSON.stringify(p)}\n${e.message}\n` +
        `last errors the instances reported:\n  ${errors.slice(-10).join('\n  ')}`;
      throw e;
    }
  };

  describe('when instances race, crash and lose the in-process broker for a while', () => {
    it('publishes all in stream order, one instance at a time, never saving ahead', async () => {
      await scenario(inProcessBus, false);
    }, 15_000);
  });

  if (!reachable && required) {
    describe('when RabbitMQ is required', () => {
      it('needs RabbitMQ in CI', () => {
        throw new Error(`no RabbitMQ at ${redactCredentials(url)}, and CI=true requires it`);
      });
    });
  }

  (reachable ? describe : describe.skip)(
    'when instances race, crash and their RabbitMQ connections drop',
    () => {
      it('publishes all in stream order, one instance at a time, never saving ahead', async () => {
        await scenario(rabbitBus, true);
      }, 15_000);
    },
  );
});
