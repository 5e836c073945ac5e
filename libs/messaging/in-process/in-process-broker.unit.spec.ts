import { brokerContract } from '../testing/broker.contract';
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
});
