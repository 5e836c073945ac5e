import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { startInvitations, type RunningInvitations } from '../apps/invitations/start-invitations';
import {
  appendedSince,
  describeWithRabbitMq,
  WAIT_MS,
} from '../apps/invitations/testing/e2e-services';
import { CLOUDEVENTS_CONTENT_TYPE, PLATFORM_EXCHANGE } from '../libs/contracts';
import type { EventStore } from '../libs/event-store';
import {
  createTestInfrastructure,
  type TestInfrastructure,
} from '../libs/testing/test-infrastructure';
import {
  createTestTokens,
  testUser,
  type TestTokens,
  type TestUser,
} from '../libs/testing/test-tokens';
import { waitFor } from '../libs/testing/wait-for';
import { deferredAcceptance } from '../apps/invitations/testing/deferred-acceptance';
import { CONSUMER_RETRY, consumerQueues } from '../libs/messaging';

const EMAIL_VERIFIED = 'identity.email-verified.v1';

/** The store, counting how often each stream is read (a handler reads the customer's stream first). */
function countingReads(store: EventStore) {
  const reads = new Map<string, number>();
  const counted: EventStore = {
    append: (...args) => store.append(...args),
    appendToStreams: (appends) => store.appendToStreams(appends),
    readStream: (stream, from) => {
      reads.set(stream, (reads.get(stream) ?? 0) + 1);
      return store.readStream(stream, from);
    },
    readLastEvent: (stream) => store.readLastEvent(stream),
    readAll: (options) => store.readAll(options),
    headPosition: () => store.headPosition(),
    endPosition: () => store.endPosition(),
    subscribeToAll: (options) => store.subscribeToAll(options),
    close: () => store.close(),
  };
  return { counted, reads };
}

describeWithRabbitMq('invitations consuming identity.email-verified.v1 (e2e)', (rabbitUrl) => {
  let tokens: TestTokens;
  let infra: TestInfrastructure;
  let invitations: RunningInvitations;
  let amqp: ChannelModel;
  let publisher: ConfirmChannel;
  let reads: Map<string, number>;
  const consumerName = `invitations-e2e-${randomUUID().slice(0, 8)}`;
  const queue = `${consumerName}.${EMAIL_VERIFIED}`;
  const returned: string[] = [];

  beforeAll(async () => {
    tokens = await createTestTokens();
    infra = await createTestInfrastructure({
      jwtVerifier: tokens.verifier,
      env: { RABBITMQ_URL: rabbitUrl },
    });
    const spy = countingReads(infra.eventStore);
    reads = spy.reads;
    invitations = await startInvitations({ ...infra, eventStore: spy.counted }, 0, {
      consumerName,
    });
    amqp = await connect(rabbitUrl);
    publisher = await amqp.createConfirmChannel();
    publisher.on('return', (m) => returned.push(m.properties.messageId));
    await publisher.assertExchange(PLATFORM_EXCHANGE, 'topic', { durable: true });
  });

  afterAll(async () => {
    await invitations?.close();
    for (const q of consumerQueues(queue, CONSUMER_RETRY))
      await publisher?.deleteQueue(q).catch(() => undefined);
    await amqp?.close();
    await infra?.close();
  });

  /** As any platform service would publish it, with plain amqplib. */
  async function publish(event: Record<string, unknown>, correlationId = event.correlationid) {
    publisher.publish(PLATFORM_EXCHANGE, EMAIL_VERIFIED, Buffer.from(JSON.stringify(event)), {
      persistent: true,
      mandatory: true,
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      messageId: event.id as string,
      type: EMAIL_VERIFIED,
      correlationId: correlationId as string,
      timestamp: Math.floor(Date.now() / 1000),
    });
    await publisher.waitForConfirms();
  }
  const emailVerified = (customer: TestUser, data: Record<string, unknown> = {}) => ({
    specversion: '1.0',
    id: randomUUID(),
    source: '/identity',
    type: EMAIL_VERIFIED,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    subject: customer.userId,
    correlationid: `corr-${randomUUID()}`,
    data: {
      userId: customer.userId,
      email: customer.email,
      verifiedAt: new Date().toISOString(),
      ...data,
    },
  });
  const acceptedEvents = async (invitationId: string) =>
    (await infra.eventStore.readStream(`invitation-${invitationId}`)).filter(
      (e) => e.type === 'InvitationAccepted',
    );

  describe('when the message breaks the contract', () => {
    it('is dead-lettered and records nothing', async () => {
      const head = await infra.eventStore.headPosition();
      await publish(emailVerified(testUser('customer'), { email: 'not-an-email' }));
      await waitFor(async () => (await publisher.checkQueue(`${queue}.dlq`)).messageCount === 1, {
        timeoutMs: WAIT_MS,
        message: 'the dead-lettered message',
      });
      expect(await appendedSince(infra.eventStore, head, new Set())).toEqual([]);
      await publisher.purgeQueue(`${queue}.dlq`);
    });
  });

  describe('when the message has only what CloudEvents 1.0 requires, its correlation id as the AMQP property', () => {
    it('completes the acceptance, recorded with that correlation id', async () => {
      const { customer, invitationId } = await deferredAcceptance(invitations.url, tokens);
      const {
        time: _t,
        datacontenttype: _d,
        subject: _s,
        correlationid: _c,
        ...bare
      } = emailVerified(customer);
      await publish(bare, 'amqp-correlation');
      const accepted = await waitFor(async () => (await acceptedEvents(invitationId))[0], {
        timeoutMs: WAIT_MS,
        message: 'InvitationAccepted',
      });
      expect(accepted.metadata).toMatchObject({
        correlationId: 'amqp-correlation',
        causationId: bare.id,
      });
    });
  });

  describe('when a customer with a deferred acceptance is announced verified, twice', () => {
    it('completes the acceptance exactly once', async () => {
      const { customer, invitationId } = await deferredAcceptance(invitations.url, tokens);
      const event = emailVerified(customer);
      await publish(event);
      const accepted = await waitFor(async () => (await acceptedEvents(invitationId))[0], {
        timeoutMs: WAIT_MS,
        message: 'InvitationAccepted',
      });
      expect(accepted.data).toMatchObject({
        customerUserId: customer.userId,
        customerCompanyId: customer.companyId,
      });
      expect(accepted.metadata).toMatchObject({
        correlationId: event.correlationid,
        causationId: event.id,
      });

      const verification = `customer_verification-${customer.userId}`;
      const readsBefore = reads.get(verification) ?? 0;
      await publish(event);
      // The redelivered message's handler has started once it reads the customer's stream.
      await waitFor(() => (reads.get(verification) ?? 0) > readsBefore, {
        timeoutMs: WAIT_MS,
        message: 'the second delivery',
      });
      await invitations.close(); // waits for the handler in flight
      invitations = undefined as never;

      expect(await acceptedEvents(invitationId)).toHaveLength(1);
      expect((await publisher.checkQueue(`${queue}.dlq`)).messageCount).toBe(0);
      expect(returned).toEqual([]);
    });
  });
});
