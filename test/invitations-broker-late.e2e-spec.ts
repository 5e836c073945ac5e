import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { startInvitations, type RunningInvitations } from '../apps/invitations/start-invitations';
import { describeWithRabbitMq, WAIT_MS } from '../apps/invitations/testing/e2e-services';
import { PLATFORM_EXCHANGE } from '../libs/contracts';
import { consumersOf } from '../libs/messaging/testing/rabbitmq-probe';
import { startTcpProxy, type TcpProxy } from '../libs/testing/tcp-proxy';
import {
  createTestInfrastructure,
  type TestInfrastructure,
} from '../libs/testing/test-infrastructure';
import { createTestTokens, testUser } from '../libs/testing/test-tokens';
import { waitFor } from '../libs/testing/wait-for';
import { CONSUMER_RETRY, consumerQueues } from '../libs/messaging';

const EMAIL_VERIFIED = 'identity.email-verified.v1';

describeWithRabbitMq('invitations started while RabbitMQ is unreachable (e2e)', (rabbitUrl) => {
  let infra: TestInfrastructure;
  let invitations: RunningInvitations;
  let proxy: TcpProxy;
  let amqp: ChannelModel;
  let observer: Channel;
  const consumerName = `invitations-late-${randomUUID().slice(0, 8)}`;
  const queue = `${consumerName}.${EMAIL_VERIFIED}`;
  const published: ConsumeMessage[] = [];

  beforeAll(async () => {
    amqp = await connect(rabbitUrl);
    observer = await amqp.createChannel();
    await observer.assertExchange(PLATFORM_EXCHANGE, 'topic', { durable: true });
    const { queue: seen } = await observer.assertQueue('', { exclusive: true });
    await observer.bindQueue(seen, PLATFORM_EXCHANGE, 'invitations.#');
    await observer.consume(seen, (m) => m && (published.push(m), observer.ack(m)));
    const target = new URL(rabbitUrl);
    // Nothing answers at first: the broker appears later, on the same port.
    proxy = await startTcpProxy(
      { host: target.hostname, port: Number(target.port || 5672) },
      { refusing: true },
    );
  });

  afterAll(async () => {
    await invitations?.close();
    await infra?.close();
    await proxy?.close(); // undefined if the set-up failed before it
    for (const q of consumerQueues(queue, CONSUMER_RETRY))
      await observer?.deleteQueue(q).catch(() => undefined);
    await amqp?.close();
  });

  describe('when the broker appears after the service started', () => {
    it('serves HTTP at once, says it is not ready, then consumes and forwards what it recorded meanwhile', async () => {
      const tokens = await createTestTokens();
      infra = await createTestInfrastructure({
        jwtVerifier: tokens.verifier,
        env: { RABBITMQ_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}` },
      });
      invitations = await startInvitations(infra, 0, { consumerName });

      const notReady = await fetch(`${invitations.url}/ready`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({
        code: 'not_ready',
        checks: { broker: { status: 'down' } },
      });
      const sent = await fetch(`${invitations.url}/invitations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await tokens.mint(testUser('vendor'))}`,
        },
        body: JSON.stringify({
          email: `late-${randomUUID()}@example.com`,
          firstName: 'A',
          lastName: 'B',
        }),
      });
      expect(sent.status).toBe(201);
      const { invitationId } = (await sent.json()) as { invitationId: string };

      proxy.refuse(false);
      await waitFor(async () => (await fetch(`${invitations.url}/ready`)).status === 200, {
        timeoutMs: WAIT_MS,
        message: 'ready once the broker is reachable',
      });
      await waitFor(async () => (await consumersOf(amqp, queue)) === 1, {
        timeoutMs: WAIT_MS,
        message: 'the EmailVerified consumer registered',
      });
      await waitFor(
        () =>
          published.some(
            (m) =>
              m.properties.type === 'invitations.invitation-sent.v1' &&
              (JSON.parse(m.content.toString()) as { data: { invitationId: string } }).data
                .invitationId === invitationId,
          ),
        { timeoutMs: WAIT_MS, message: 'the invitation sent while the broker was away, forwarded' },
      );
    });
  });
});
