import { waitFor } from '../../testing/wait-for';
import type { ConsumeSpec } from '../broker.port';
import { brokerContract } from '../testing/broker.contract';
import { cloudEvent } from '../testing/fixtures';
import { InProcessBroker } from './in-process-broker';
import { metrics } from '../../platform/observability/metrics';

describe('InProcessBroker', () => {
  brokerContract(async () => {
    const broker = new InProcessBroker({ log: () => undefined });
    return {
      broker,
      publishRaw: (routingKey, body) => broker.publishRaw(routingKey, body),
      deleteQueue: (queue) => broker.deleteQueue(queue),
      close: async () => undefined,
    };
  });

  describe('when a published message is still in its handler', () => {
    const TYPE = 'test.held.v1';
    let broker: InProcessBroker;
    let release: (outcome?: Error) => void;
    let started: boolean;
    const outcomes: string[] = [];

    beforeEach(async () => {
      broker = new InProcessBroker({ log: () => undefined });
      started = false;
      outcomes.length = 0;
      const spec: ConsumeSpec = {
        queue: 'test.held',
        bindingKeys: [TYPE],
        prefetch: 1,
        maxRetries: 0,
        retryDelayMs: 1,
        handle: () => {
          started = true;
          return new Promise((resolve, reject) => {
            release = (error) => (error ? reject(error) : resolve());
          });
        },
      };
      await broker.consume(spec);
    });
    afterEach(() => broker.close());

    const publish = () => {
      const published = broker.publish([cloudEvent(TYPE)]);
      published.then(
        () => outcomes.push('confirmed'),
        (e: Error) => outcomes.push(e.message),
      );
      return published;
    };

    it('confirms the publish only once the handler acks it', async () => {
      const published = publish();
      await waitFor(() => started, { message: 'the handler' });
      await Promise.resolve();
      expect(outcomes).toEqual([]);
      release();
      await published;
      expect(outcomes).toEqual(['confirmed']);
    });

    it('confirms the publish once the message is dead-lettered', async () => {
      const published = publish();
      await waitFor(() => started, { message: 'the handler' });
      release(new Error('refused'));
      await published;
      expect(await broker.deadLetters('test.held')).toHaveLength(1);
    });

    it('rejects the publish of a message left unhandled when the broker closes', async () => {
      const handled = publish();
      await waitFor(() => started, { message: 'the handler' });
      const waiting = broker.publish([cloudEvent(TYPE)]);
      const closing = broker.close();
      release();
      await closing;
      await handled;
      await expect(waiting).rejects.toThrow('broker closed before the message was handled');
    });
  });

  describe('when a handler given up on after its timeout still runs as its consumer stops', () => {
    it('waits for it, so it does not write into stores closed after the consumer', async () => {
      const logged: string[] = [];
      const broker = new InProcessBroker({ log: (m) => logged.push(m) });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const attempts: number[] = [];
      let finished = false;
      const handle = await broker.consume({
        queue: 'test.lingering',
        bindingKeys: ['test.lingering.v1'],
        prefetch: 1,
        maxRetries: 1,
        retryDelayMs: 1,
        handlerTimeoutMs: 500,
        handle: async (_event, info) => {
          attempts.push(info.attempt);
          if (info.attempt > 0) return;
          await gate;
          finished = true;
        },
      });
      try {
        void broker.publish([cloudEvent('test.lingering.v1')]);
        await waitFor(() => attempts.includes(1), { message: 'the retry after the timeout' });
        let stopped = false;
        const cancelled = handle.cancel().then(() => (stopped = true));
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        expect(stopped).toBe(false);
        release();
        await cancelled;
        expect(finished).toBe(true);
        expect(logged.filter((m) => m.includes('still running'))).toEqual([]);
      } finally {
        release();
        await broker.close();
      }
    });
  });

  describe('when dead letters pass the limit kept in memory', () => {
    it('drops the oldest, saying so and counting it', async () => {
      const logged: string[] = [];
      const broker = new InProcessBroker({ log: (m) => logged.push(m), deadLetterLimit: 2 });
      const queue = 'test.dead-letter-limit';
      try {
        await broker.consume({
          queue,
          bindingKeys: ['test.dead-letter-limit.v1'],
          prefetch: 1,
          maxRetries: 0,
          retryDelayMs: 1,
          handle: async () => {
            throw new Error('always');
          },
        });
        const events = [1, 2, 3].map((n) => cloudEvent('test.dead-letter-limit.v1', { n }));
        for (const event of events) await broker.publish([event]);
        const kept = await broker.deadLetters(queue);
        expect(kept.map((d) => d.messageId)).toEqual([events[1].id, events[2].id]);
        expect(logged.filter((m) => m.includes('dropped dead letter'))).toEqual([
          expect.stringContaining(events[0].id),
        ]);
        const counted = (await metrics.messages.get()).values.filter(
          (v) => v.labels.queue === queue && v.labels.outcome === 'dead_letter_dropped',
        );
        expect(counted.map((v) => v.value)).toEqual([1]);
      } finally {
        await broker.close();
      }
    });
  });
});
