import { connect, type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import { randomBytes, randomUUID } from 'node:crypto';
import { customerVerificationStream } from '../../apps/invitations/customer-verification/customer-verification.decider';
import { invitationStream } from '../../apps/invitations/invitation/invitation.events';
import {
  startInvitations,
  type RunningInvitations,
} from '../../apps/invitations/start-invitations';
import { CLOUDEVENTS_CONTENT_TYPE, IntegrationEventTypes } from '../../libs/contracts';
import { CONSUMER_RETRY, consumerQueues, DEAD_LETTER_REASON_HEADER } from '../../libs/messaging';
import {
  createTestInfrastructure,
  type TestInfrastructure,
} from '../../libs/testing/test-infrastructure';
import {
  createTestTokens,
  testUser,
  type TestTokens,
  type TestUser,
} from '../../libs/testing/test-tokens';
import { waitFor } from '../../libs/testing/wait-for';
import { deferredAcceptance } from '../../apps/invitations/testing/deferred-acceptance';
import { count, megabytes, printFigures } from './support/figures';
import { describeWithRabbitMq } from './support/rabbitmq-gate';

const EMAIL_VERIFIED = IntegrationEventTypes.emailVerified;
const HUGE_BYTES = 5 * 1024 * 1024;

interface Malformed {
  name: string;
  /** The body, about a customer of its own (when the body names one at all). */
  content: (stranger: TestUser) => Buffer;
  contentType?: string;
}

const emailVerified = (customer: Pick<TestUser, 'userId' | 'email'>) => ({
  specversion: '1.0',
  id: randomUUID(),
  source: '/identity',
  type: EMAIL_VERIFIED,
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  subject: customer.userId,
  data: { userId: customer.userId, email: customer.email, verifiedAt: new Date().toISOString() },
});
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const without = (event: Record<string, unknown>, ...keys: string[]) =>
  Object.fromEntries(Object.entries(event).filter(([key]) => !keys.includes(key)));

/** Messages that break the integration contract in their body, each in its own way. */
const MALFORMED_BODIES: Malformed[] = [
  { name: 'invalid JSON', content: () => Buffer.from('{"specversion":"1.0","id":') },
  { name: 'binary garbage', content: () => randomBytes(512) },
  { name: 'an empty body', content: () => Buffer.alloc(0) },
  { name: 'a JSON array', content: (s) => json([emailVerified(s)]) },
  { name: 'a JSON string', content: () => json(EMAIL_VERIFIED) },
  { name: 'JSON null', content: () => json(null) },
  {
    name: 'an envelope without id, source and time',
    content: (s) => json(without(emailVerified(s), 'id', 'source', 'time')),
  },
  {
    name: 'data missing email and verifiedAt',
    content: (s) => json({ ...emailVerified(s), data: { userId: s.userId } }),
  },
  {
    name: 'data that is not an object',
    content: (s) => json({ ...emailVerified(s), data: 'verified' }),
  },
  { name: 'specversion 0.3', content: (s) => json({ ...emailVerified(s), specversion: '0.3' }) },
  {
    name: `a ${megabytes(HUGE_BYTES)} body`,
    content: (s) => {
      const event = emailVerified(s);
      return json({ ...event, data: { ...event.data, email: `${'a'.repeat(HUGE_BYTES)}@x.io` } });
    },
  },
];

/** A well-formed CloudEvent body under a content type other than structured CloudEvents JSON. */
const WRONG_CONTENT_TYPES: Malformed[] = ['text/plain', 'application/xml'].map((type) => ({
  name: `content-type ${type}`,
  content: (s) => json(emailVerified(s)),
  contentType: type,
}));

interface Outcome {
  name: string;
  deadLettered: boolean;
  reason?: string;
  intact: boolean;
  /** Its customer got a verification recorded: the message was taken as valid. */
  handled: boolean;
}

/**
 * The invitations service consuming EmailVerified from real RabbitMQ, fed
 * straight into its queue with plain amqplib (the default exchange, so
 * nothing reaches other consumers of the type on a shared broker).
 */
describeWithRabbitMq('invitations consumer fed malformed AMQP messages (e2e)', (rabbitUrl) => {
  let tokens: TestTokens;
  let infra: TestInfrastructure;
  let invitations: RunningInvitations | undefined;
  let amqp: ChannelModel;
  let channel: ConfirmChannel;
  const consumerName = `reliability-${randomUUID().slice(0, 8)}`;
  const queue = `${consumerName}.${EMAIL_VERIFIED}`;
  const dlq = `${queue}.dlq`;

  beforeAll(async () => {
    tokens = await createTestTokens();
    infra = await createTestInfrastructure({
      jwtVerifier: tokens.verifier,
      env: { RABBITMQ_URL: rabbitUrl },
    });
    invitations = await startInvitations(infra, 0, { consumerName });
    amqp = await connect(rabbitUrl);
    channel = await amqp.createConfirmChannel();
  });

  afterAll(async () => {
    await invitations?.close();
    for (const q of consumerQueues(queue, CONSUMER_RETRY)) {
      await channel?.deleteQueue(q).catch(() => undefined);
    }
    await amqp?.close();
    await infra?.close();
  });

  async function send(content: Buffer, messageId: string, contentType = CLOUDEVENTS_CONTENT_TYPE) {
    channel.sendToQueue(queue, content, {
      persistent: true,
      contentType,
      messageId,
      type: EMAIL_VERIFIED,
      timestamp: Math.floor(Date.now() / 1000),
    });
    await channel.waitForConfirms();
  }

  async function drain(name: string): Promise<GetMessage[]> {
    const messages: GetMessage[] = [];
    for (;;) {
      const message = await channel.get(name, { noAck: true });
      if (!message) return messages;
      messages.push(message);
    }
  }

  /**
   * Sends each message about a customer of its own, then waits until each is
   * accounted for: in the dead-letter queue, or taken as valid (its customer's
   * verification recorded). A message in neither is reported as such.
   */
  async function deliver(messages: Malformed[]): Promise<Outcome[]> {
    const sent = messages.map((m) => {
      const stranger = testUser('customer');
      return { m, stranger, messageId: `malformed-${randomUUID()}`, content: m.content(stranger) };
    });
    for (const x of sent) await send(x.content, x.messageId, x.m.contentType);
    const letters = new Map<string, GetMessage>();
    const handled = new Set<string>();
    const accounted = async () => {
      for (const letter of await drain(dlq)) letters.set(letter.properties.messageId, letter);
      for (const x of sent) {
        const stream = customerVerificationStream(x.stranger.userId);
        if ((await infra.eventStore.readStream(stream)).length) handled.add(x.messageId);
      }
      return sent.every((x) => letters.has(x.messageId) || handled.has(x.messageId));
    };
    await waitFor(accounted, { timeoutMs: 15_000, message: 'every message dead-lettered' }).catch(
      () => undefined, // reported below, message by message
    );
    return sent.map((x) => {
      const letter = letters.get(x.messageId);
      const reason: unknown = letter?.properties.headers?.[DEAD_LETTER_REASON_HEADER];
      return {
        name: x.m.name,
        deadLettered: !!letter,
        reason: typeof reason === 'string' && reason ? reason : undefined,
        intact: !!letter && letter.content.equals(x.content),
        handled: handled.has(x.messageId),
      };
    });
  }
  const wrong = (outcomes: Outcome[]) =>
    outcomes.filter((o) => !o.deadLettered || !o.reason || !o.intact || o.handled);
  const describeOutcome = (o: Outcome) =>
    `${o.name}: ${o.handled ? 'HANDLED AS VALID; ' : ''}${
      o.deadLettered
        ? `dead-lettered${o.intact ? '' : ' (body changed)'}, ${DEAD_LETTER_REASON_HEADER}: ${o.reason?.slice(0, 80) ?? '(none)'}`
        : 'NOT dead-lettered'
    }`;

  const outcomes: Outcome[] = [];
  let goodHandled = false;
  let consumers = 0;

  afterAll(() => {
    const lettered = outcomes.filter((o) => wrong([o]).length === 0);
    printFigures(
      'malformed amqp',
      [
        `${count(outcomes.length)} malformed messages (largest ${megabytes(HUGE_BYTES)})`,
        `${count(lettered.length)} dead-lettered intact with a reason`,
        `${count(outcomes.filter((o) => o.handled).length)} handled as valid`,
        `${count(outcomes.filter((o) => !o.deadLettered && !o.handled).length)} lost`,
        `consumer ${consumers === 1 ? 'alive' : `count ${consumers}`}`,
        `good message ${goodHandled ? 'handled' : 'NOT handled'}`,
      ],
      outcomes.map(describeOutcome),
    );
  });

  describe('when messages with malformed bodies arrive', () => {
    it('dead-letters each, intact, with the reason in a header, and records nothing', async () => {
      const delivered = await deliver(MALFORMED_BODIES);
      outcomes.push(...delivered);
      expect(wrong(delivered).map(describeOutcome)).toEqual([]);
    }, 60_000);
  });

  describe('when a well-formed CloudEvent arrives under another content type', () => {
    it('dead-letters it rather than reading the body as structured CloudEvents JSON', async () => {
      const delivered = await deliver(WRONG_CONTENT_TYPES);
      outcomes.push(...delivered);
      expect(wrong(delivered).map(describeOutcome)).toEqual([]);
    }, 60_000);
  });

  describe('when a good message follows them', () => {
    it('is still consumed: the deferred acceptance completes', async () => {
      const { customer, invitationId } = await deferredAcceptance(invitations!.url, tokens);
      await send(json(emailVerified(customer)), `good-${randomUUID()}`);
      goodHandled = await waitFor(
        async () =>
          (await infra.eventStore.readStream(invitationStream(invitationId))).some(
            (e) => e.type === 'InvitationAccepted',
          ),
        { timeoutMs: 15_000, message: 'the deferred acceptance to complete' },
      );
      consumers = (await channel.checkQueue(queue)).consumerCount;
      expect(consumers).toBe(1);
    }, 60_000);
  });
});
