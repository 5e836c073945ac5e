import { Controller, Inject, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { IntegrationEventTypes, type CloudEvent } from '../contracts';
import { waitFor } from '../testing/wait-for';
import type { Broker, ConsumeSpec } from './broker.port';
import { InProcessBroker } from './in-process/in-process-broker';
import { cloudEvent } from './testing/broker.contract';
import {
  CloudEventContext,
  CloudEventsTransport,
  RethrowRpcErrors,
} from './cloud-events.transport';

const FAILING = 'test.transport.always-fails.v1';
const SLOW = 'test.transport.slow.v1';

class Recorder {
  received: Array<{ event: CloudEvent; info: ReturnType<CloudEventContext['getInfo']> }> = [];
  failures = 0;
  slowStarted = false;
  slowFinished = false;
  release!: () => void;
  readonly gate = new Promise<void>((r) => (this.release = r));
}

@Controller()
class Listener {
  constructor(@Inject(Recorder) private readonly recorder: Recorder) {}

  @EventPattern(IntegrationEventTypes.emailVerified)
  async emailVerified(@Payload() event: CloudEvent, @Ctx() ctx: CloudEventContext) {
    this.recorder.received.push({ event, info: ctx.getInfo() });
  }

  @EventPattern(FAILING)
  async fails() {
    this.recorder.failures += 1;
    throw new Error(`mailbox full (${this.recorder.failures})`);
  }

  @EventPattern(SLOW)
  async slow() {
    this.recorder.slowStarted = true;
    await this.recorder.gate;
    this.recorder.slowFinished = true;
  }
}

const verified = (data: Record<string, unknown>) =>
  cloudEvent(IntegrationEventTypes.emailVerified, {
    userId: 'user-1',
    email: 'ann@example.com',
    verifiedAt: '2026-11-26T10:00:00Z',
    ...data,
  });

describe('CloudEventsTransport', () => {
  let broker: InProcessBroker;
  let recorder: Recorder;
  let app: INestMicroservice | undefined;
  const queue = `invitations.${IntegrationEventTypes.emailVerified}`;

  const start = async ({ rethrow = true } = {}) => {
    @Module({ controllers: [Listener], providers: [{ provide: Recorder, useValue: recorder }] })
    class TestModule {}
    app = await NestFactory.createMicroservice(TestModule, {
      strategy: new CloudEventsTransport({
        broker,
        service: 'invitations',
        maxRetries: 2,
        retryDelayMs: 5,
      }),
      logger: false,
    });
    if (rethrow) app.useGlobalFilters(new RethrowRpcErrors());
    await app.listen();
    return app;
  };

  beforeEach(() => {
    app = undefined;
    broker = new InProcessBroker({ log: () => undefined });
    recorder = new Recorder();
  });
  afterEach(async () => {
    recorder.release();
    await app?.close();
    await broker.close();
  });

  describe('when a contracted event arrives', () => {
    it('hands the whole CloudEvent to the @EventPattern handler, extra data fields included', async () => {
      await start();
      const event = verified({ locale: 'en' });
      await broker.publish([event]);
      await waitFor(() => recorder.received.length === 1);
      expect(recorder.received[0].event).toEqual(event);
      expect(recorder.received[0].info).toMatchObject({ queue, attempt: 0, messageId: event.id });
    });
  });

  describe('when its data breaks the contract', () => {
    it('dead-letters it without calling the handler and keeps consuming', async () => {
      await start();
      await broker.publish([verified({ email: 'not-an-email' })]);
      await broker.publish([verified({})]);
      await waitFor(() => recorder.received.length === 1);
      const [dead] = await broker.deadLetters(queue);
      expect(dead.reason).toMatch(/data.*email/);
      expect(recorder.received[0].event.data).toMatchObject({ email: 'ann@example.com' });
    });
  });

  describe('when its type is not the one its queue is for', () => {
    it('dead-letters it without calling the handler', async () => {
      await start();
      const other = { ...verified({}), type: 'identity.email-verified.v2', data: { user: 'u1' } };
      await broker.publishRaw(IntegrationEventTypes.emailVerified, JSON.stringify(other));
      await broker.publish([verified({})]);
      await waitFor(async () => (await broker.deadLetters(queue)).length === 1);
      await waitFor(() => recorder.received.length === 1);
      const [dead] = await broker.deadLetters(queue);
      expect(dead.reason).toBe(
        `type "identity.email-verified.v2" on a queue for ${IntegrationEventTypes.emailVerified}`,
      );
      expect(recorder.received[0].event.type).toBe(IntegrationEventTypes.emailVerified);
    });
  });

  describe('when a handler keeps failing', () => {
    it('retries it, then dead-letters it with the handler error', async () => {
      await start();
      await broker.publish([cloudEvent(FAILING, { n: 1 })]);
      const dlq = `invitations.${FAILING}`;
      await waitFor(async () => (await broker.deadLetters(dlq)).length === 1);
      expect(recorder.failures).toBe(3);
      expect((await broker.deadLetters(dlq))[0].reason).toMatch(/mailbox full \(3\)/);
    });
  });

  describe('when a handler keeps failing and no filter rethrows its errors', () => {
    it("still retries and dead-letters it, with Nest's generic reason", async () => {
      await start({ rethrow: false });
      await broker.publish([cloudEvent(FAILING, { n: 1 })]);
      const dlq = `invitations.${FAILING}`;
      await waitFor(async () => (await broker.deadLetters(dlq)).length === 1);
      expect(recorder.failures).toBe(3);
      expect((await broker.deadLetters(dlq))[0].reason).toMatch(/Internal server error/);
    });
  });

  describe('when the microservice closes', () => {
    it('waits for the handler in flight', async () => {
      const running = await start();
      // Awaited last: the in-process broker confirms a publish once it is handled.
      const published = broker.publish([cloudEvent(SLOW)]);
      await waitFor(() => recorder.slowStarted);
      const closing = running.close();
      expect(recorder.slowFinished).toBe(false);
      recorder.release();
      await closing;
      expect(recorder.slowFinished).toBe(true);
      await published;
    });
  });

  describe('when it is closed while its consumers are still starting', () => {
    it('stops the one starting and starts no other', async () => {
      const started: string[] = [];
      const cancelled: string[] = [];
      let letStart!: () => void;
      const startGate = new Promise<void>((resolve) => (letStart = resolve));
      // The transport calls only `consume`.
      const slowToConsume = {
        consume: async (spec: ConsumeSpec) => {
          started.push(spec.queue);
          await startGate;
          const handle = await broker.consume(spec);
          return {
            queue: handle.queue,
            cancel: () => (cancelled.push(handle.queue), handle.cancel()),
          };
        },
      } as Pick<Broker, 'consume'> as Broker;
      const transport = new CloudEventsTransport({ broker: slowToConsume, service: 'invitations' });
      transport.addHandler(SLOW, async () => undefined, true);
      transport.addHandler(FAILING, async () => undefined, true);
      const listening = new Promise((resolve) => transport.listen(resolve));
      await waitFor(() => started.length === 1, { message: 'the first consumer starting' });

      const closing = transport.close();
      letStart();
      await Promise.all([closing, listening]);

      expect(started).toEqual([`invitations.${SLOW}`]);
      expect(cancelled).toEqual(started);
    });
  });
});
