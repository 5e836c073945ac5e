import { waitFor } from '../../testing/wait-for';
import type { ConsumeSpec } from '../broker.port';
import { brokerContract } from '../testing/broker.contract';
import { cloudEvent } from '../testing/fixtures';
import { InProcessBroker } from './in-process-broker';

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
});
