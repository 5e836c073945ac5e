import { randomUUID } from 'node:crypto';
import { EmailVerifiedV1 } from '../../contracts';
import { waitFor } from '../../testing/wait-for';
import {
  QueueNotFoundError,
  UnroutableError,
  type Broker,
  type ConsumeSpec,
  type ConsumerHandle,
} from '../broker.port';
import { validateData } from '../validation';
import { metrics } from '../../platform/observability/metrics';
import { cloudEvent, type BrokerHarness, type Received } from './fixtures';

export { cloudEvent, type BrokerHarness };

/**
 * The behaviour every Broker adapter promises. Routing keys and queue names
 * are unique per test, so the suite can share a live broker with other runs.
 */
export function brokerContract(open: () => Promise<BrokerHarness>): void {
  let harness: BrokerHarness;
  let broker: Broker;
  let queues: ConsumeSpec[];
  let prefix: string;

  beforeEach(async () => {
    harness = await open();
    broker = harness.broker;
    queues = [];
    prefix = `contract.${randomUUID()}`;
  });
  afterEach(async () => {
    try {
      await broker.close();
      for (const spec of queues) await harness.deleteQueue(spec.queue, spec);
    } finally {
      await harness.close(); // its connection goes whatever the clean-up before it did
    }
  });

  const consume = async (
    spec: Partial<ConsumeSpec> & Pick<ConsumeSpec, 'bindingKeys'>,
    received: Received[] = [],
  ): Promise<{ queue: string; received: Received[]; handle: ConsumerHandle }> => {
    const queue = `contract-test.${randomUUID()}`;
    const full: ConsumeSpec = {
      queue,
      prefetch: 1,
      maxRetries: 0,
      retryDelayMs: 5,
      handle: async (event, info) => void received.push({ event, info, at: Date.now() }),
      ...spec,
    };
    queues.push(full);
    const handle = await broker.consume(full);
    return { queue, received, handle };
  };
  /** A queue of EmailVerified, checked as the contract has it, and a good event of its type. */
  const consumeVerified = async (spec: Partial<ConsumeSpec> = {}) => {
    const type = `${prefix}.identity.email-verified.v1`;
    const consumer = await consume({
      bindingKeys: [type],
      validate: (body) => validateData(EmailVerifiedV1, body),
      ...spec,
    });
    const good = cloudEvent(type, {
      userId: 'u1',
      email: 'ann@example.com',
      verifiedAt: '2026-11-26T10:00:00Z',
    });
    return { ...consumer, type, good };
  };
  const deadLetterCount = async (queue: string, n: number) =>
    (await broker.deadLetters(queue)).length === n;

  describe('when an event of a bound type is published', () => {
    it('delivers the envelope intact with the AMQP properties set from it', async () => {
      const type = `${prefix}.thing-happened.v1`;
      const { received } = await consume({ bindingKeys: [type] });
      const event = cloudEvent(type, { n: 1, nested: { ok: true }, list: ['a'] });
      await broker.publish([event]);
      await waitFor(() => received.length === 1, { message: 'delivery' });
      const [{ event: got, info }] = received;
      expect(got).toEqual(event);
      expect(info).toMatchObject({
        routingKey: type,
        attempt: 0,
        messageId: event.id,
        type,
        correlationId: event.correlationid,
        contentType: 'application/cloudevents+json',
      });
    });
  });

  describe('when queues bind different keys', () => {
    it('routes each event only to the queues whose binding matches', async () => {
      const a = await consume({ bindingKeys: [`${prefix}.a.*`] });
      const all = await consume({ bindingKeys: [`${prefix}.#`] });
      await broker.publish([cloudEvent(`${prefix}.a.x`), cloudEvent(`${prefix}.b.y`)]);
      // A later event to the same queue arrives after anything misrouted before it.
      await broker.publish([cloudEvent(`${prefix}.a.z`)]);
      await waitFor(() => all.received.length === 3 && a.received.length >= 2);
      expect(a.received.map((r) => r.event.type)).toEqual([`${prefix}.a.x`, `${prefix}.a.z`]);
      expect(all.received.map((r) => r.event.type)).toEqual(
        ['a.x', 'b.y', 'a.z'].map((t) => `${prefix}.${t}`),
      );
    });
  });

  describe('when no queue is bound to a type', () => {
    it('rejects the publish as unroutable', async () => {
      const type = `${prefix}.nobody-listens.v1`;
      await expect(broker.publish([cloudEvent(type)])).rejects.toBeInstanceOf(UnroutableError);
      await consume({ bindingKeys: [`${prefix}.bound.v1`] });
      const mixed = broker.publish([cloudEvent(`${prefix}.bound.v1`), cloudEvent(type)]);
      await expect(mixed).rejects.toMatchObject({ types: [type] });
      // An id longer than AMQP's 255-byte message id is sent in a shorter form; still unroutable.
      const longId = { ...cloudEvent(type), id: 'x'.repeat(300) };
      await expect(broker.publish([longId])).rejects.toBeInstanceOf(UnroutableError);
    });
  });

  describe('when poison messages arrive', () => {
    it('dead-letters each at once with the reason and body, and still handles the next good one', async () => {
      const { type, queue, received, good } = await consumeVerified({ maxRetries: 5 });
      const missingEmail = JSON.stringify(cloudEvent(type, { userId: 'u1', verifiedAt: 'x' }));
      const poison = ['{not json', JSON.stringify({ hello: 'world' }), missingEmail];
      for (const body of poison) await harness.publishRaw(type, body);
      await broker.publish([good]);

      await waitFor(() => received.length === 1, { message: 'the good message' });
      expect(received[0].event).toEqual(good);
      await waitFor(() => deadLetterCount(queue, 3), { message: 'three dead letters' });
      const dead = await broker.deadLetters(queue);
      expect(dead.map((d) => d.body)).toEqual(poison);
      expect(dead[0].reason).toMatch(/invalid JSON/);
      expect(dead[1].reason).toMatch(/envelope.*specversion/);
      expect(dead[2].reason).toMatch(/data.*email/);
      dead.forEach((d) => expect(d.headers['x-dead-letter-reason']).toBe(d.reason));
      // Published without a message id, each is named by its CloudEvents id or given one.
      const ids = new Set(dead.map((d) => d.messageId));
      expect(ids.size).toBe(3);
      ids.forEach((id) => expect(id).toMatch(/^[0-9a-f-]{36}$/));
      expect(dead[2].messageId).toBe(JSON.parse(missingEmail).id);
    });
  });

  describe('when a message carries an id longer than an AMQP property holds', () => {
    it('dead-letters it under a digest of that id, and still handles the next good one', async () => {
      const { type, queue, received, good } = await consumeVerified();
      // Published without a message id: the consumer names it by its CloudEvents id.
      const poison = JSON.stringify({ ...cloudEvent(type, { userId: 'u1' }), id: 'x'.repeat(300) });
      await harness.publishRaw(type, poison);
      await broker.publish([good]);

      await waitFor(() => received.length === 1, { message: 'the good message' });
      await waitFor(() => deadLetterCount(queue, 1), { message: 'the dead letter' });
      const [dead] = await broker.deadLetters(queue);
      expect(dead.body).toBe(poison);
      expect(dead.messageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    });
  });

  describe('when an event carries a correlation id longer than an AMQP property holds', () => {
    it('publishes it whole in the body, and publishes the next event after it', async () => {
      const type = `${prefix}.correlated.v1`;
      const { received } = await consume({ bindingKeys: [type] });
      const long = { ...cloudEvent(type), correlationid: 'c'.repeat(300) };
      const next = cloudEvent(type);
      await broker.publish([long]);
      await broker.publish([next]);

      await waitFor(() => received.length === 2, { message: 'both events' });
      expect(received.map((r) => r.event)).toEqual([long, next]);
    });
  });

  describe('when a handler fails a few times and then succeeds', () => {
    it('retries with growing delays and then acks', async () => {
      const type = `${prefix}.flaky.v1`;
      const attempts: Received[] = [];
      const { queue } = await consume({
        bindingKeys: [type],
        maxRetries: 3,
        retryDelayMs: 20,
        handle: async (event, info) => {
          attempts.push({ event, info, at: Date.now() });
          if (attempts.length < 3) throw new Error(`flake ${attempts.length}`);
        },
      });
      const event = cloudEvent(type, { n: 1 });
      await broker.publish([event]);
      await waitFor(() => attempts.length === 3, { message: 'three attempts' });
      expect(attempts.map((a) => a.info.attempt)).toEqual([0, 1, 2]);
      attempts.forEach((a) => expect(a.event).toEqual(event));
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(18);
      expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(38);
      expect(await broker.deadLetters(queue)).toEqual([]);
    });
  });

  describe('when retries of different lengths wait at once', () => {
    it('sends each back after its own delay, not after a longer one that waits before it', async () => {
      const type = `${prefix}.mixed-delays.v1`;
      const seen: Array<{ id: string; attempt: number; at: number }> = [];
      const slow = cloudEvent(type, { n: 'slow' });
      const quick = cloudEvent(type, { n: 'quick' });
      await consume({
        bindingKeys: [type],
        prefetch: 5,
        maxRetries: 3,
        // Wide apart, so a slow disk under quorum queues cannot close the gap between them.
        retryDelayMs: 500,
        handle: async (event, info) => {
          seen.push({ id: event.id, attempt: info.attempt, at: Date.now() });
          // slow's third try fails and waits 2,000 ms; quick's first fails and waits 500 ms
          if (info.attempt < (event.id === slow.id ? 3 : 1)) throw new Error('not yet');
        },
      });
      const tried = (event: { id: string }, attempt: number) =>
        seen.find((s) => s.id === event.id && s.attempt === attempt);
      // Each publish is confirmed once its message is acked: in process, after the retries.
      const published = [broker.publish([slow])];
      await waitFor(() => !!tried(slow, 2), { message: "slow's third try" });
      published.push(broker.publish([quick]));
      await Promise.all(published);
      await waitFor(() => !!tried(slow, 3) && !!tried(quick, 1), { message: 'both retried' });
      expect(tried(quick, 1)!.at).toBeLessThan(tried(slow, 3)!.at);
    });
  });

  describe('when a handler hangs', () => {
    it('gives up on it after the timeout, retries its message and serves the next one', async () => {
      const type = `${prefix}.hangs.v1`;
      const [stuck, next] = [cloudEvent(type, { n: 1 }), cloudEvent(type, { n: 2 })];
      const seen: string[] = [];
      const { queue } = await consume({
        bindingKeys: [type],
        prefetch: 1,
        maxRetries: 1,
        handlerTimeoutMs: 100,
        handle: async (event, info) => {
          seen.push(`${event.id}#${info.attempt}`);
          // Never settles: only the timeout frees the one prefetch slot.
          if (event.id === stuck.id && info.attempt === 0) await new Promise(() => undefined);
        },
      });
      await broker.publish([stuck, next]);
      await waitFor(() => seen.includes(`${stuck.id}#1`) && seen.includes(`${next.id}#0`), {
        message: 'the retry of the stuck message and the next one',
      });
      expect(await broker.deadLetters(queue)).toEqual([]);
    });
  });

  describe('when a handler always fails', () => {
    it('dead-letters the message after maxRetries with the last error', async () => {
      const type = `${prefix}.doomed.v1`;
      let calls = 0;
      const { queue } = await consume({
        bindingKeys: [type],
        maxRetries: 2,
        handle: async () => {
          calls += 1;
          throw new Error(`boom ${calls}`);
        },
      });
      const event = cloudEvent(type, { n: 1 });
      await broker.publish([event]);
      await waitFor(() => deadLetterCount(queue, 1), { message: 'the dead letter' });
      expect(calls).toBe(3);
      const [dead] = await broker.deadLetters(queue);
      expect(dead.reason).toMatch(/boom 3/);
      expect(JSON.parse(dead.body)).toEqual(event);
      expect(dead).toMatchObject({ messageId: event.id, type });
    });
  });

  describe('when messages are handled, retried and dead-lettered', () => {
    it('counts each settled message in messages_total by queue and outcome', async () => {
      const { type, queue, received, good } = await consumeVerified({
        maxRetries: 1,
        handle: async (event, info) => {
          if (info.attempt === 0) throw new Error('once');
          received.push({ event, info, at: Date.now() });
        },
      });
      await harness.publishRaw(type, '{not json');
      await broker.publish([good]);
      await waitFor(() => received.length === 1, { message: 'the retried message' });
      await waitFor(() => deadLetterCount(queue, 1), { message: 'the dead letter' });
      const counted = async () =>
        Object.fromEntries(
          (await metrics.messages.get()).values
            .filter((v) => v.labels.queue === queue)
            .map((v) => [v.labels.outcome, v.value]),
        );
      await waitFor(async () => Object.keys(await counted()).length === 3, { message: 'counts' });
      expect(await counted()).toEqual({ handled: 1, retried: 1, dead_lettered: 1 });
    });
  });

  describe('when dead letters are retried', () => {
    it('moves them back to the queue with a fresh retry budget', async () => {
      const type = `${prefix}.recovering.v1`;
      let healthy = false;
      const handled: Received[] = [];
      const { queue } = await consume({
        bindingKeys: [type],
        maxRetries: 0,
        handle: async (event, info) => {
          if (!healthy) throw new Error('downstream unavailable');
          handled.push({ event, info, at: Date.now() });
        },
      });
      const events = [cloudEvent(type, { n: 1 }), cloudEvent(type, { n: 2 })];
      await broker.publish(events);
      await waitFor(() => deadLetterCount(queue, 2), { message: 'two dead letters' });

      healthy = true;
      expect(await broker.retryDeadLetters(queue)).toEqual({ settled: 2, notFound: [] });
      await waitFor(() => handled.length === 2, { message: 'redelivery' });
      expect(handled.map((h) => h.event.id).sort()).toEqual(events.map((e) => e.id).sort());
      handled.forEach((h) => expect(h.info.attempt).toBe(0));
      expect(await broker.deadLetters(queue)).toEqual([]);
    });
  });

  describe('when some dead letters are chosen by id', () => {
    /** Three dead letters on a consumer that handles what comes back once `healthy`. */
    const threeDeadLetters = async () => {
      const type = `${prefix}.chosen.v1`;
      const state = { healthy: false, handled: [] as string[] };
      const { queue } = await consume({
        bindingKeys: [type],
        handle: async (event) => {
          if (!state.healthy) throw new Error('downstream unavailable');
          state.handled.push(event.id);
        },
      });
      const events = [1, 2, 3].map((n) => cloudEvent(type, { n }));
      await broker.publish(events);
      await waitFor(() => deadLetterCount(queue, 3), { message: 'three dead letters' });
      state.healthy = true;
      return { queue, state, type, ids: events.map((e) => e.id) };
    };
    const idsIn = async (queue: string) =>
      (await broker.deadLetters(queue)).map((d) => d.messageId).sort();

    it('retries only those, and leaves the rest in the dead-letter queue', async () => {
      const { queue, state, ids } = await threeDeadLetters();

      expect(
        await broker.retryDeadLetters(queue, [ids[0], ids[2], 'no-such-id', 'no-such-id']),
      ).toEqual({ settled: 2, notFound: ['no-such-id'] });
      await waitFor(() => state.handled.length === 2, { message: 'redelivery' });
      expect(state.handled.sort()).toEqual([ids[0], ids[2]].sort());
      expect(await idsIn(queue)).toEqual([ids[1]]);
    });

    it('discards only those, delivering none of them', async () => {
      const { queue, state, type, ids } = await threeDeadLetters();

      expect(await broker.discardDeadLetters(queue, [ids[1]])).toEqual({
        settled: 1,
        notFound: [],
      });
      expect(await idsIn(queue)).toEqual([ids[0], ids[2]].sort());
      expect(await broker.discardDeadLetters(queue)).toEqual({ settled: 2, notFound: [] });
      expect(await broker.deadLetters(queue)).toEqual([]);
      // One at a time and in order: a discarded message sent back would be handled before this one.
      const marker = cloudEvent(type, { n: 4 });
      await broker.publish([marker]);
      await waitFor(() => state.handled.length > 0, { message: 'the marker' });
      expect(state.handled).toEqual([marker.id]);
    });
  });

  describe('when an ops call names a queue that does not exist', () => {
    it('rejects with QueueNotFoundError', async () => {
      const queue = `contract-test.${randomUUID()}`;
      await expect(broker.deadLetters(queue)).rejects.toBeInstanceOf(QueueNotFoundError);
      await expect(broker.retryDeadLetters(queue)).rejects.toBeInstanceOf(QueueNotFoundError);
      await expect(broker.discardDeadLetters(queue, ['x'])).rejects.toBeInstanceOf(
        QueueNotFoundError,
      );
    });
  });

  describe('when a consumer is cancelled', () => {
    it('waits for the in-flight handler and keeps later messages in the queue', async () => {
      const type = `${prefix}.slow.v1`;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let started = false;
      let finished = 0;
      const { queue, handle } = await consume({
        bindingKeys: [type],
        handle: async () => {
          started = true;
          await gate;
          finished += 1;
        },
      });
      // Not awaited yet: the in-process broker confirms a publish once the handler is done.
      const published = broker.publish([cloudEvent(type)]);
      await waitFor(() => started, { message: 'the handler to start' });
      const cancelled = handle.cancel();
      release();
      await cancelled;
      await published;
      expect(finished).toBe(1);

      // Still routable, the durable queue stays bound and keeps the message for the next consumer.
      const later = cloudEvent(type);
      const kept = broker.publish([later]);
      const resumed: string[] = [];
      const spec = queues.find((q) => q.queue === queue)!;
      await broker.consume({ ...spec, handle: async (event) => void resumed.push(event.id) });
      await kept;
      // Confirmed means queued, not yet delivered (on RabbitMQ).
      await waitFor(() => resumed.length > 0, { message: 'the kept message' });
      expect(resumed).toEqual([later.id]);
    });
  });
}
