import { connect } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { customerVerificationStream } from '../../apps/invitations/customer-verification/customer-verification.decider';
import { invitationStream } from '../../apps/invitations/invitation/invitation.events';
import { IntegrationEventTypes, PLATFORM_EXCHANGE } from '../../libs/contracts';
import { signUp, type IdentityTestUser } from '../../libs/testing/identity-test-client';
import { waitFor } from '../../libs/testing/wait-for';
import { count, plural, printFigures, seconds } from './support/figures';
import { startInProcessServices, type InProcessServices } from './support/in-process-services';
import { describeWithRabbitMq } from './support/rabbitmq-gate';
import { RabbitMqControl } from './support/rabbitmq-control';
import { CONSUMER_RETRY, consumerQueues, retryDelays, retryQueue } from '../../libs/messaging';

/** Customers with a deferred acceptance each; RESTART_CUSTOMERS changes it. */
const CUSTOMERS = Number(process.env.RESTART_CUSTOMERS ?? 20);
const EMAIL_VERIFIED = IntegrationEventTypes.emailVerified;

interface Deferred {
  customer: IdentityTestUser;
  invitationId: string;
}

/**
 * identity and invitations on real RabbitMQ; customers verify their emails
 * while the broker is stopped and started (twice). Not part of `npm test`:
 * restarting the shared broker would disturb suites running beside it.
 */
describeWithRabbitMq('deferred acceptances across RabbitMQ restarts (reliability)', (rabbitUrl) => {
  const broker = new RabbitMqControl();
  const consumerName = `reliability-restart-${randomUUID().slice(0, 8)}`;
  const queue = `${consumerName}.${EMAIL_VERIFIED}`;
  /** Counts what identity published, on a durable queue that outlives the restarts. */
  const observer = `reliability-observer.${randomUUID()}`;
  let s: InProcessServices;
  let vendor: IdentityTestUser;
  const deferred: Deferred[] = [];

  const post = async (base: string, path: string, body: unknown, token?: string) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };

  async function deferAcceptance(i: number): Promise<Deferred> {
    const email = `restart-${i}-${randomUUID().slice(0, 8)}@example.com`;
    const sent = await post(
      s.invitations.url,
      '/invitations',
      { email, firstName: 'Carl', lastName: `Doe ${i}` },
      vendor.accessToken,
    );
    if (sent.status !== 201) throw new Error(`invite: ${sent.status} ${JSON.stringify(sent.body)}`);
    const customer = await signUp(s.identity.url, { accountType: 'customer', email });
    const token = new URL(sent.body.acceptUrl).searchParams.get('token');
    const path = `/invitations/${sent.body.invitationId}/accept`;
    const accepted = await post(s.invitations.url, path, { token }, customer.accessToken);
    if (accepted.status !== 202) throw new Error(`accept: ${accepted.status}`);
    return { customer, invitationId: sent.body.invitationId };
  }

  async function verify(batch: Deferred[]): Promise<void> {
    for (const { customer } of batch) {
      const token = await s.verificationToken(customer.email);
      const res = await post(s.identity.url, '/auth/verify-email', { token });
      if (res.status !== 200) throw new Error(`verify: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }

  const acceptedCount = async ({ invitationId }: Deferred) =>
    (await s.infra.eventStore.readStream(invitationStream(invitationId))).filter(
      (e) => e.type === 'InvitationAccepted',
    ).length;

  beforeAll(async () => {
    if (!broker.available()) throw new Error('rabbitmqctl is not available to restart RabbitMQ');
    const amqp = await connect(rabbitUrl);
    const channel = await amqp.createChannel();
    await channel.assertExchange(PLATFORM_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(observer, { durable: true });
    await channel.bindQueue(observer, PLATFORM_EXCHANGE, EMAIL_VERIFIED);
    await amqp.close();

    s = await startInProcessServices({
      env: { RABBITMQ_URL: rabbitUrl, LOG_LEVEL: 'silent' },
      consumerName,
    });
    vendor = await signUp(s.identity.url, { accountType: 'vendor' });
    for (let i = 0; i < CUSTOMERS; i += 5) {
      const batch = Array.from({ length: Math.min(5, CUSTOMERS - i) }, (_, j) => i + j);
      deferred.push(...(await Promise.all(batch.map(deferAcceptance))));
    }
  }, 180_000);

  afterAll(async () => {
    await broker.ensureStarted();
    await s?.close();
    const amqp = await connect(rabbitUrl).catch(() => undefined);
    if (amqp) {
      const channel = await amqp.createChannel();
      for (const q of [...consumerQueues(queue, CONSUMER_RETRY), observer]) {
        await channel.deleteQueue(q).catch(() => undefined);
      }
      await amqp.close().catch(() => undefined);
    }
  }, 180_000);

  describe('when customers verify their emails while RabbitMQ is stopped and started', () => {
    it('completes every deferred acceptance exactly once, losing none', async () => {
      const third = Math.ceil(CUSTOMERS / 3);
      const [before, during, after] = [0, 1, 2].map((k) =>
        deferred.slice(k * third, (k + 1) * third),
      );
      const outstanding: number[] = [];
      const noteOutstanding = async () =>
        outstanding.push((await Promise.all(deferred.map(acceptedCount))).filter((n) => !n).length);

      await verify(before);
      await noteOutstanding();
      await broker.restart(() => verify(during)); // EmailVerified recorded while the broker is down
      const verifying = verify(after); // published while the broker goes down and comes back
      await noteOutstanding();
      await broker.restart();
      await verifying;

      await waitFor(async () => (await Promise.all(deferred.map(acceptedCount))).every(Boolean), {
        timeoutMs: 120_000,
        intervalMs: 200,
        message: `all ${CUSTOMERS} acceptances to complete`,
      });
      const amqp = await connect(rabbitUrl);
      const channel = await amqp.createChannel();
      await waitFor(
        async () =>
          (
            await Promise.all(
              retryDelays(CONSUMER_RETRY).map((delayMs) =>
                channel.checkQueue(retryQueue(queue, delayMs)),
              ),
            )
          ).every((q) => q.messageCount === 0) &&
          (await channel.checkQueue(queue)).messageCount === 0,
        { timeoutMs: 60_000, intervalMs: 200, message: 'the EmailVerified queues to drain' },
      );
      await s.invitations.close(); // waits for handlers in flight: no late duplicate can follow

      const accepted = await Promise.all(deferred.map(acceptedCount));
      const verifications = await Promise.all(
        deferred.map(
          async ({ customer }) =>
            (await s.infra.eventStore.readStream(customerVerificationStream(customer.userId)))
              .length,
        ),
      );
      const ours = new Set(deferred.map((d) => d.customer.userId));
      let published = 0;
      for (;;) {
        const message = await channel.get(observer, { noAck: true });
        if (!message) break;
        const subject = (JSON.parse(message.content.toString()) as { subject?: string }).subject;
        if (subject && ours.has(subject)) published += 1;
      }
      const { messageCount: deadLettered } = await channel.checkQueue(`${queue}.dlq`);
      await amqp.close();

      const missing = accepted.filter((n) => n === 0).length;
      const twice = accepted.filter((n) => n > 1).length;
      printFigures('rabbitmq restart', [
        `${plural(CUSTOMERS, 'deferred acceptance')}`,
        `${plural(broker.restarts, 'broker restart')} (${seconds(broker.downMs)} down in all, ${outstanding.join(' and ')} acceptances outstanding as they began)`,
        `${count(published)} EmailVerified published for ${CUSTOMERS} verifications (${count(Math.max(0, published - CUSTOMERS))} duplicates)`,
        `${count(CUSTOMERS - missing)} accepted exactly once`,
        `${count(missing)} lost`,
        `${count(twice)} accepted twice`,
        `${count(deadLettered)} dead-lettered`,
      ]);

      expect(broker.restarts).toBe(2);
      expect(accepted).toEqual(deferred.map(() => 1));
      // Two events: the noted deferral and the verification, however often it was delivered.
      expect(verifications).toEqual(deferred.map(() => 2));
      expect(published).toBeGreaterThanOrEqual(CUSTOMERS);
      expect(deadLettered).toBe(0);
    }, 300_000);
  });
});
