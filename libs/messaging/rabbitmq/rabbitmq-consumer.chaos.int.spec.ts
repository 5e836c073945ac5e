import { randomUUID } from 'node:crypto';
import { redactCredentials } from '../../platform/config/config-error';
import { cloudEvent } from '../testing/fixtures';
import { consumerChaosHarness, within } from '../testing/consumer-chaos-instances';
import {
  checkDeadLetters,
  checkNoHotLoop,
  checkQueuesDrained,
  checkSettledOnce,
  checkStopsHeld,
  checkSuccessAttempts,
  seededRandom,
  type Chaos,
  type Copy,
  type Fate,
  type Random,
} from '../testing/consumer-chaos-invariants';
import { rabbitMqReachable } from '../testing/rabbitmq-probe';

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

const WAVES = 6;

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
  const { copies, waves, chaos } = plan(r, type, maxRetries);
  const run = consumerChaosHarness({
    url,
    r,
    queue,
    type,
    queueType,
    maxRetries,
    retryDelayMs,
    copies,
  });
  const { record } = run;

  const fail = (message: string): never => {
    throw new Error(`CONSUMER_CHAOS_SEED=${SEED} (${queueType}): ${message}`);
  };
  const holds = (violations: string[]) => {
    if (violations.length === 0) return;
    fail(`${violations.length} violations\n  ${violations.slice(0, 15).join('\n  ')}`);
  };

  beforeAll(async () => {
    try {
      await run.open();
      const [a, b] = [await run.openInstance('a'), await run.openInstance('b')];
      await run.startConsumer(a, 'a0', 1 + r.int(8));
      for (let i = 0; i <= r.int(2); i++) await run.startConsumer(b, `b${i}`, 1 + r.int(8));

      for (const [i, wave] of waves.entries()) {
        if (chaos[i] === 'cut-stop-start') await run.holdHandlers();
        await run.publish(wave);
        if (chaos[i]) await run.act(chaos[i]);
      }
      await run.settled();
      // Closing hands back whatever a consumer still held: it would show in the queues.
      const [first, ...others] = run.instances;
      await run.duringReconnect(first, 'closing', () =>
        within(first.broker.close(), 5_000, 'closing'),
      );
      for (const instance of others) await run.closeAsConnectionDrops(instance);
      await run.collect();
    } catch (error) {
      fail(`${(error as Error).message} (chaos: ${chaos.join(', ')})`);
    }
  }, 30_000);

  afterAll(() => run.close());

  describe('when consumers compete, fail, lose their channel and are stopped and started', () => {
    it('handles or dead-letters every published copy, never both and never neither', () => {
      holds(checkSettledOnce(copies, record));
    });

    it('succeeds a message on the attempt after its last planned failure', () => {
      holds(checkSuccessAttempts(copies, record));
    });

    it('dead-letters an always failing message after the configured attempts, body and headers intact', () => {
      holds(checkDeadLetters(copies, record, { maxRetries, type }));
    });

    it('leaves nothing unacked or waiting in a queue once every copy is settled', () => {
      holds(checkQueuesDrained(queue, record));
    });

    it('starts and closes while the connection is being re-established, rather than failing', () => {
      holds(record.refused);
    });

    it('ends the subscription of a consumer stopped as it subscribes again after a reconnect', () => {
      const raced = record.stops.filter((s) => s.leftSubscribed !== undefined);
      expect(raced.length).toBeGreaterThan(0);
      holds(
        raced
          .filter((s) => s.leftSubscribed)
          .map((s) => `${s.label} still subscribed on its new channel after its stop began`),
      );
    });

    it('runs no handler of a stopped consumer once its stop resolved', () => {
      holds(checkStopsHeld(record));
    });

    it('never loops hot: handler runs and failed settles stay within what the chaos explains', () => {
      const prefetch = run.consumers.reduce((sum, c) => sum + c.prefetch, 0);
      holds(checkNoHotLoop(copies, record, { maxRetries, breaks: chaos.length, prefetch }));
    });
  });
});
