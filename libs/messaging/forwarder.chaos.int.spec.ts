import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudEvent } from '../contracts';
import type { RecordedEvent, StreamAppend } from '../event-store/event-store.port';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store';
import { newEvent } from '../event-store/testing/event-store.contract';
import { redactCredentials } from '../platform/config/config-error';
import { SqliteCoordination } from '../read-store/sqlite/sqlite-coordination';
import { seededRandom, type Random } from '../testing/seeded-random';
import { waitFor } from '../testing/wait-for';
import { startForwarder } from './forwarder';
import {
  injectFaults,
  inProcessBus,
  mortal,
  pause,
  rabbitBus,
  type Bus,
  type Instance,
} from './testing/forwarder-chaos-faults';
import { checkAfterChaos, recordChaos } from './testing/forwarder-chaos-invariants';
import { rabbitMqReachable } from './testing/rabbitmq-probe';

/** `FORWARDER_CHAOS_SEED=<n>` runs another plan; a failure prints its seed. */
const SEED = Number(process.env.FORWARDER_CHAOS_SEED ?? 20261127);
const CHAOS_MS = 2000;
const DRAIN_MS = 5000;
const TTL_MS = 400;

const url = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const reachable = rabbitMqReachable(url);
const required = process.env.CI === 'true';
if (!reachable && !required) process.stdout.write(`skipped: no RabbitMQ at ${url}\n`);

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

describe('startForwarder under chaos', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const done of cleanup.splice(0).reverse()) await done().catch(() => undefined);
  });

  const scenario = async (openBus: (type: string) => Promise<Bus>, rabbit: boolean) => {
    const r = seededRandom(SEED);
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

    const record = recordChaos();
    const instances: Instance[] = [];
    const live = () => instances.filter((i) => !i.life.isDead() && !i.stop);
    const faults = injectFaults({
      random: seededRandom(SEED + 1), // drawn as the run goes, apart from the plan
      ...{ saveFaultRate: p.saveFaultRate, leaseFaultRate: p.leaseFaultRate },
      ...{ coordination, record, live },
    });

    const start = () => {
      const me = { owner: `instance-${instances.length}`, life: mortal() } as Instance;
      me.forwarder = startForwarder({
        ...{ name, owner: me.owner, ttlMs: TTL_MS, types: ['Happened'], map: toCloudEvent },
        store: r.pick([app, other]),
        checkpoints: faults.checkpoints(me),
        leases: faults.leases(me),
        broker: faults.broker(bus.brokerFor(), me),
        batchSize: 2 + r.int(9),
        checkpointEveryMs: r.pick([0, 20, 60]),
        onError: (e) => void record.errors.push(`${me.owner}: ${(e as Error).message}`),
        warn: (m) => void record.errors.push(`${me.owner}: ${m}`),
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
      const held = candidates.find((i) => i.owner === record.holder);
      return held && r.next() < 0.75 ? held : r.pick(candidates);
    };

    const stopWatching = record.watchActive(live);
    cleanup.push(async () => stopWatching());

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
      ...p.outages.map(({ at, ms, mode }) => ({ at, act: () => faults.outage(mode, ms) })),
      ...p.cuts.map(({ at, ms }) => ({ at, act: () => bus.cut!(ms).then(record.down()) })),
      ...p.reconnects.map((at) => ({ at, act: () => bus.reconnect!(r) })),
      ...p.slowStores.map(({ at, ms, late }) => ({
        at,
        act: async () => {
          // The instance at work, which must notice on its own that its lease ran out.
          const active = () =>
            record.isDown() ? undefined : live().find((i) => i.forwarder.isActive());
          const slowed = await waitFor(active, { timeoutMs: TTL_MS * 3 }).catch(victim);
          await faults.slow(slowed, late, ms);
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
      faults.calm();

      const all = await app.readAll({ after: 0n, maxCount: 1_000_000 });
      const mapped = all.filter((e) => e.type === 'Happened' && !e.data.quiet);
      const lag = () => live()[0].forwarder.lag();
      const seen = { mapped, received: bus.received, map: toCloudEvent, lag };
      await checkAfterChaos(record, { ...seen, drainMs: DRAIN_MS, ttlMs: TTL_MS });
      expect([...record.violations]).toEqual([]);
    } catch (error) {
      const e = error as Error;
      e.message =
        `FORWARDER_CHAOS_SEED=${SEED}, plan ${JSON.stringify(p)}\n${e.message}\n` +
        `last errors the instances reported:\n  ${record.errors.slice(-10).join('\n  ')}`;
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
        await scenario((type) => rabbitBus(url, type), true);
      }, 15_000);
    },
  );
});
