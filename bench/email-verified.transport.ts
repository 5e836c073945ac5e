import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { IntegrationEventTypes } from '../libs/contracts';
import {
  CONSUMER_PREFETCH,
  CONSUMER_RETRY,
  CloudEventsTransport,
  RethrowRpcErrors,
  consumerQueues,
  openBroker,
} from '../libs/messaging';

/**
 * The invitation service's consumer without the service: the same transport
 * (envelope and contract validation, Nest dispatch, acks after the handler)
 * serving a handler that only counts. What it handles is what consuming
 * EmailVerified costs before any decision or commit.
 */
export async function startCountingConsumer(rabbitUrl: string, service: string) {
  let received = 0;

  @Controller()
  class CountingHandler {
    @EventPattern(IntegrationEventTypes.emailVerified)
    handle(): void {
      received += 1;
    }
  }

  @Module({ controllers: [CountingHandler] })
  class CountingModule {}

  const broker = openBroker(rabbitUrl, { log: () => undefined });
  const app = await NestFactory.createMicroservice(CountingModule, {
    strategy: new CloudEventsTransport({ broker, service, prefetch: CONSUMER_PREFETCH }),
    logger: false,
  });
  app.useGlobalFilters(new RethrowRpcErrors());
  await app.listen();
  return {
    received: () => received,
    queues: consumerQueues(`${service}.${IntegrationEventTypes.emailVerified}`, CONSUMER_RETRY),
    async close() {
      await app.close();
      await broker.close();
    },
  };
}
