import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '../contracts';
import type { RecordedEvent } from '../event-store/event-store.port';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store';
import { newEvent } from '../event-store/testing/event-store.contract';
import type { CheckpointStore } from '../read-store/coordination.port';
import { SqliteCoordination } from '../read-store/sqlite/sqlite-coordination';
import { metrics } from '../platform/observability/metrics';
import { waitFor } from '../testing/wait-for';
import type { Broker } from './broker.port';
import { startForwarder, type Forwarder, type ForwarderOptions } from './forwarder';
import { InProcessBroker } from './in-process/in-process-broker';

const TYPE = 'test.forwarded.v1';
const NAME = 'test-forwarder';

const toCloudEvent = (e: RecordedEvent): CloudEvent => ({
  specversion: '1.0',
  id: e.eventId,
  source: '/forwarder-test',
  type: TYPE,
  time: e.metadata.occurredAt,
  datacontenttype: 'application/json',
  subject: e.streamName,
  correlationid: e.metadata.correlationId,
  data: { stream: e.streamName, revision: e.revision },
});

/** A broker that behaves like `base` except where `publish` is replaced. */
const withPublish = (base: Broker, publish: Broker['publish']): Broker => ({
  publish,
  consume: (spec) => base.consume(spec),
  deadLetters: (q) => base.deadLetters(q),
  retryDeadLetters: (q, ids) => base.retryDeadLetters(q, ids),
  discardDeadLetters: (q, ids) => base.discardDeadLetters(q, ids),
  isHealthy: () => base.isHealthy(),
  close: () => base.close(),
});

describe('startForwarder', () => {
  let db: Database.Database;
  let store: SqliteEventStore;
  let coordination: SqliteCoordination;
  let broker: InProcessBroker;
  let received: CloudEvent[];
  let forwarders: Forwarder[];
  const streams = ['order-a', 'order-b', 'order-c'].map((s) => `${s}-${randomUUID()}`);

  const append = async (perStream: number) => {
    for (let i = 0; i < perStream; i++) {
      for (const s of streams) await store.append(s, [newEvent('Happened', { i })], 'any');
    }
  };
  const start = (options: Partial<ForwarderOptions>) => {
    const forwarder = startForwarder({
      name: NAME,
      store,
      checkpoints: coordination,
      leases: coordination,
      broker,
      map: toCloudEvent,
      batchSize: 4,
      ttlMs: 600,
      onError: () => undefined,
      ...options,
    });
    forwarders.push(forwarder);
    return forwarder;
  };
  const deliveredIds = () => new Set(received.map((e) => e.id));
  /** The coordination store, with each checkpoint it saves noted. */
  const counting = () => {
    const saves: bigint[] = [];
    const checkpoints: CheckpointStore = {
      load: (name) => coordination.load(name),
      save: async (name, position, version) => {
        saves.push(position);
        return coordination.save(name, position, version);
      },
    };
    return { saves, checkpoints };
  };

  beforeEach(async () => {
    db = new Database(':memory:');
    store = new SqliteEventStore(':memory:');
    coordination = new SqliteCoordination(db);
    broker = new InProcessBroker({ log: () => undefined });
    received = [];
    forwarders = [];
    await listen(broker);
  });
  const listen = (on: Broker, before: () => Promise<void> = async () => undefined) =>
    on.consume({
      queue: 'test.forwarded',
      bindingKeys: [TYPE],
      prefetch: 1,
      maxRetries: 0,
      retryDelayMs: 1,
      handle: async (event) => {
        await before();
        received.push(event);
      },
    });
  afterEach(async () => {
    await Promise.all(forwarders.map((f) => f.stop()));
    await broker.close();
    await store.close();
    db.close();
  });

  describe('when it runs', () => {
    it('reports its lag in /metrics until it stops', async () => {
      const lagShown = async () =>
        (await metrics.lag.get()).values.some((v) => v.labels.worker === NAME);
      const forwarder = start({});
      expect(await lagShown()).toBe(true);
      await forwarder.stop();
      expect(await lagShown()).toBe(false);
    });
  });

  describe('when its checkpoint is past the store’s last event', () => {
    it('publishes what is appended from then on, saying so, rather than skip every event up to it', async () => {
      await coordination.save(NAME, 50n, await coordination.load(NAME).then((c) => c.version));
      await append(1); // held by the store as the forwarder starts: left to `ops republish`
      const warnings: string[] = [];
      const forwarder = start({ warn: (m) => warnings.push(m) });
      await waitFor(() => warnings.length === 1, { message: 'the warning' });
      expect(warnings[0]).toMatch(
        /past the event store’s last position \(3\).*republish --from 1 --to 3/,
      );
      await append(1);
      await waitFor(() => received.length === streams.length, { message: 'the new events' });
      await waitFor(async () => (await forwarder.lag()) === 0n, { message: 'no lag' });
      expect(received.map((e) => e.data)).toEqual(
        streams.map((s) => expect.objectContaining({ stream: s, revision: 1 })),
      );
    });
  });

  describe('when it publishes some event types only', () => {
    it('publishes those and moves its checkpoint past the others, so it reports no lag', async () => {
      const forwarder = start({ types: ['Happened'] });
      await append(2);
      await store.append(streams[0], [newEvent('Internal'), newEvent('Internal')], 'any');
      await waitFor(async () => (await forwarder.lag()) === 0n, { message: 'no lag' });
      expect(received).toHaveLength(2 * streams.length);
      expect((await coordination.load(NAME)).position).toBe(await store.headPosition());
    });
  });

  describe('when no queue is bound for some of its types', () => {
    it('publishes the rest, moves on, and warns once naming the type and where to republish from', async () => {
      const unheard = 'test.nobody-listens.v1';
      const warnings: string[] = [];
      const map = (e: RecordedEvent) => ({
        ...toCloudEvent(e),
        ...(e.type === 'Unheard' ? { type: unheard } : {}),
      });
      const first = await store.append(streams[0], [newEvent('Unheard')], 'any');
      await append(1);
      await store.append(streams[1], [newEvent('Unheard')], 'any');
      const forwarder = start({ map, warn: (m) => warnings.push(m) });

      await waitFor(async () => (await forwarder.lag()) === 0n, { message: 'no lag' });
      expect(received).toHaveLength(streams.length);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`no queue is bound for ${unheard}`);
      expect(warnings[0]).toContain(`republish --from ${first.position}\``);
    });

    it('warns on stopping of those that reached no one since its last warning', async () => {
      const warnings: string[] = [];
      const map = (e: RecordedEvent) => ({ ...toCloudEvent(e), type: `test.${e.type}.v1` });
      await store.append(streams[0], [newEvent('Unheard')], 'any');
      const forwarder = start({ map, warn: (m) => warnings.push(m) });
      await waitFor(async () => (await forwarder.lag()) === 0n, { message: 'no lag' });
      const later = await store.append(streams[1], [newEvent('Unheard')], 'any');
      await waitFor(async () => (await forwarder.lag()) === 0n, { message: 'no lag' });
      expect(warnings).toHaveLength(1); // within the interval: kept back for now

      await forwarder.stop();

      expect(warnings).toHaveLength(2);
      expect(warnings[1]).toContain('test.Unheard.v1; 1 message(s) reached no one');
      expect(warnings[1]).toContain(`republish --from ${later.position}\``);
    });
  });

  describe('when batches come faster than the checkpoint interval', () => {
    it('saves the first at once, the rest when the interval ends', async () => {
      const { saves, checkpoints } = counting();
      start({ checkpoints, checkpointEveryMs: 60_000 });
      await append(3); // nine appends, each a batch of its own as it lands
      await waitFor(() => received.length === 9, { message: 'all published' });

      expect(saves.length).toBe(1);
      expect(saves[0]).toBeLessThan(await store.headPosition());
    });

    it('saves the last position once the interval ends, with nothing else to trigger it', async () => {
      const { saves, checkpoints } = counting();
      // Long enough that slow appends on a loaded machine still fall within one interval.
      const forwarder = start({ checkpoints, checkpointEveryMs: 500 });
      await append(3);
      await waitFor(async () => (await forwarder.lag()) === 0n, { message: 'no lag' });

      expect(saves.length).toBeLessThan(9);
      expect(saves.at(-1)).toBe(await store.headPosition());
    });

    it('saves what it published when it stops, so the next instance does not publish it again', async () => {
      const { saves, checkpoints } = counting();
      const forwarder = start({ checkpoints, checkpointEveryMs: 60_000 });
      await append(3);
      await waitFor(() => received.length === 9, { message: 'all published' });
      await forwarder.stop();

      expect(saves.at(-1)).toBe(await store.headPosition());
      start({});
      await append(1);
      await waitFor(() => received.length === 12, { message: 'the next three' });
      expect(deliveredIds().size).toBe(12);
    });
  });

  describe('when it stops while the broker does not confirm the publish in hand', () => {
    it('gives it up after the grace and saves what was confirmed, so the stop is not held for the publish timeout', async () => {
      const { saves, checkpoints } = counting();
      let hang = false;
      const stalling = withPublish(broker, (events) =>
        hang ? new Promise<void>(() => undefined) : broker.publish(events),
      );
      const forwarder = start({ checkpoints, broker: stalling, stopGraceMs: 50 });
      await append(1);
      await waitFor(() => received.length === 3, { message: 'the first batch' });
      const confirmed = await store.headPosition();
      hang = true;
      await append(1);
      await waitFor(() => saves.at(-1) === confirmed, { message: 'the first batch saved' });
      await forwarder.stop(); // past the grace, not never
      expect(saves.at(-1)).toBe(confirmed);
      expect(forwarder.isActive()).toBe(false);
    });
  });

  describe('when it dies between publishing and saving the checkpoint', () => {
    it('publishes the batch again on restart, every event delivered and duplicates with the same id', async () => {
      await append(3);
      const all = await store.readAll({ after: 0n, maxCount: 100 });
      let crashes = 0;
      const crashing = withPublish(broker, async (events) => {
        await broker.publish(events);
        crashes += 1;
        throw new Error('process killed before the checkpoint was saved');
      });
      const first = start({ broker: crashing });
      await waitFor(() => crashes >= 1, { message: 'the crash' });
      await first.stop();
      expect((await coordination.load(NAME)).position).toBe(0n);
      expect(await first.lag()).toBe(all[all.length - 1].position);

      const second = start({});
      await waitFor(async () => (await second.lag()) === 0n, { message: 'catch-up' });
      await waitFor(() => deliveredIds().size === all.length, { message: 'every event' });

      expect([...deliveredIds()].sort()).toEqual(all.map((e) => e.eventId).sort());
      expect(received.length).toBeGreaterThan(all.length);
      const firstCopy = new Map(all.map((e) => [e.eventId, toCloudEvent(e)]));
      received.forEach((copy) => expect(copy).toEqual(firstCopy.get(copy.id)));
    });
  });

  describe('when the in-process broker closes with published messages not handled yet', () => {
    it('keeps its checkpoint before them, so the next process publishes them again', async () => {
      await append(1); // three events, one batch
      const all = await store.readAll({ after: 0n, maxCount: 100 });
      await broker.close();
      broker = new InProcessBroker({ log: () => undefined });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let started = false;
      await listen(broker, async () => {
        started = true;
        await gate; // the first is in its handler, the other two wait in the queue
      });
      const first = start({});
      await waitFor(() => started, { message: 'the first handler' });
      const closing = broker.close(); // as on SIGTERM, or any end of the process
      release();
      await closing;
      await first.stop();
      expect((await coordination.load(NAME)).position).toBeLessThan(all[1].position);

      broker = new InProcessBroker({ log: () => undefined });
      await listen(broker);
      start({});
      await waitFor(() => deliveredIds().size === all.length, { message: 'every event' });
      expect([...deliveredIds()].sort()).toEqual(all.map((e) => e.eventId).sort());
    });
  });

  describe('when two instances share one checkpoint', () => {
    it('publishes from one at a time, in stream order, and the other takes over when it stops', async () => {
      let publishing = 0;
      let overlap = 0;
      const publishedBy: string[] = [];
      const saves: bigint[] = [];
      const tracked = (owner: string) =>
        withPublish(broker, async (events) => {
          publishing += 1;
          overlap = Math.max(overlap, publishing);
          try {
            await new Promise((r) => setImmediate(r)); // a broker round trip, so overlaps can show
            await broker.publish(events);
            publishedBy.push(owner);
          } finally {
            publishing -= 1;
          }
        });
      const checkpoints: CheckpointStore = {
        load: (name) => coordination.load(name),
        save: async (name, position, version) => {
          const saved = await coordination.save(name, position, version);
          saves.push(position);
          return saved;
        },
      };
      // The takeover comes from the leader's stop releasing its lease; a long lease keeps a pause of a
      // loaded machine from letting the follower in while the leader still publishes.
      const a = start({ owner: 'a', broker: tracked('a'), checkpoints, ttlMs: 3_000 });
      const b = start({ owner: 'b', broker: tracked('b'), checkpoints, ttlMs: 3_000 });
      const leader = await waitFor(() => [a, b].find((f) => f.isActive()));
      const follower = leader === a ? b : a;

      await append(5);
      await waitFor(() => received.length === 15, { message: 'the first 15' });
      await leader.stop();
      await append(5);
      await waitFor(() => received.length === 30, { message: 'all 30 after takeover' });
      await waitFor(async () => (await follower.lag()) === 0n);

      expect(overlap).toBe(1);
      expect(new Set(publishedBy)).toEqual(new Set(['a', 'b']));
      expect(publishedBy[publishedBy.length - 1]).toBe(follower.owner);
      saves.slice(1).forEach((p, i) => expect(p).toBeGreaterThan(saves[i]));
      for (const s of streams) {
        const revisions = received.filter((e) => e.subject === s).map((e) => e.data);
        expect(revisions).toEqual(
          Array.from({ length: 10 }, (_, i) => ({ stream: s, revision: i })),
        );
      }
    });
  });
});
