import { connect } from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '../../../libs/contracts';
import { consumerQueues } from '../../../libs/messaging';
import { cloudEvent } from '../../../libs/messaging/testing/fixtures';
import { RabbitMqBroker } from '../../../libs/messaging/rabbitmq/rabbitmq-broker';
import { rabbitMqReachable } from '../../../libs/messaging/testing/rabbitmq-probe';
import { waitFor } from '../../../libs/testing/wait-for';
import { integrationEventId } from '../../invitations/publish-integration-events/to-integration-event';
import { appendTo, events } from '../testing/invitation-events';
import { opsOn } from '../testing/ops-test-context';
import { projectorFixture, type ProjectorFixture } from '../testing/projector-fixture';

const url = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const reachable = rabbitMqReachable(url);
if (!reachable && process.env.CI === 'true')
  throw new Error(`no RabbitMQ at ${url}, and CI=true requires it`);
if (!reachable) process.stdout.write(`skipped: no RabbitMQ at ${url} (ops dlq and republish)\n`);

const CANCELLED = 'invitations.invitation-cancelled.v1';

(reachable ? describe : describe.skip)('ops CLI on RabbitMQ', () => {
  let f: ProjectorFixture;
  let broker: RabbitMqBroker;
  const queue = `ops-test-${randomUUID()}.${CANCELLED}`;
  /** A queue whose consumer always fails: everything it gets is dead-lettered. */
  const failing = { type: `ops-test.${randomUUID()}.v1`, queue: `ops-test-${randomUUID()}` };
  const received: CloudEvent[] = [];
  let healthy = false;
  /** This run's invitation: the queue is bound to a real type, which other suites also publish. */
  const invitationId = `ops-test-${randomUUID()}`;

  beforeAll(async () => {
    f = projectorFixture();
    broker = new RabbitMqBroker(url, { log: () => undefined });
    await broker.consume({
      queue,
      bindingKeys: [CANCELLED],
      prefetch: 1,
      maxRetries: 0,
      retryDelayMs: 10,
      handle: async (event) => {
        if ((event.data as { invitationId?: string }).invitationId !== invitationId) return;
        if (!healthy) throw new Error('consumer not ready');
        received.push(event);
      },
    });
  });
  afterAll(async () => {
    try {
      await broker.close();
      const connection = await connect(url);
      const channel = await connection.createChannel();
      for (const q of [queue, failing.queue].flatMap((name) =>
        consumerQueues(name, { maxRetries: 0, retryDelayMs: 10 }),
      ))
        await channel.deleteQueue(q);
      await connection.close();
    } finally {
      await f.close(); // the fixture's files go whatever the broker's clean-up did
    }
  });

  describe('when domain events are re-published and their consumer fails', () => {
    it('publishes them with ids derived from the domain events, lists the dead letters and retries them', async () => {
      const cancelled = events.cancelled(invitationId, 7);
      cancelled.data.vendorId = 'vendor-1'; // as the invitations service stores it
      await appendTo(f.eventStore, invitationId, events.sent(invitationId));
      const { position } = await appendTo(f.eventStore, invitationId, cancelled);
      const ops = opsOn(f, { broker });

      expect(
        await ops.run('republish', '--from', position.toString(), '--to', position.toString()),
      ).toEqual([`republished 1 integration event(s) from positions ${position}..${position}`]);
      const id = integrationEventId(CANCELLED, cancelled.eventId);
      await waitFor(async () => (await broker.deadLetters(queue)).length === 1, {
        message: 'dead letter',
      });
      const [line] = await ops.run('dlq', 'list', queue);
      expect(line.split('\t').slice(0, 3)).toEqual([
        id,
        CANCELLED,
        expect.stringMatching(/consumer not ready/),
      ]);

      healthy = true;
      expect(await ops.run('dlq', 'retry', queue)).toEqual([`1 message(s) moved back to ${queue}`]);
      await waitFor(() => received.length === 1, { message: 'redelivery' });
      expect(received[0]).toMatchObject({
        id,
        type: CANCELLED,
        data: { invitationId, vendorId: 'vendor-1', cancelledAt: events.at(7) },
      });
      expect(await ops.run('dlq', 'list', queue)).toEqual([`${queue}.dlq is empty`]);
    });
  });

  describe('when dead letters are retried or discarded by id', () => {
    it('takes only those named, and discards nothing unless named or --all is given', async () => {
      await broker.consume({
        queue: failing.queue,
        bindingKeys: [failing.type],
        prefetch: 1,
        maxRetries: 0,
        retryDelayMs: 10,
        handle: async () => {
          throw new Error('cannot be handled');
        },
      });
      const [a, b, c] = [1, 2, 3].map((n) => cloudEvent(failing.type, { n }));
      await broker.publish([a, b, c]);
      const deadIds = async () => (await broker.deadLetters(failing.queue)).map((d) => d.messageId);
      await waitFor(async () => (await deadIds()).length === 3, { message: 'three dead letters' });
      const ops = opsOn(f, { broker });

      await expect(ops.run('dlq', 'discard', failing.queue)).rejects.toThrow(
        'name the dead letters to discard with --id, or pass --all for every one',
      );
      await expect(ops.run('dlq', 'discard', failing.queue, '--id', a.id, '--all')).rejects.toThrow(
        /--id, or pass --all/,
      );
      expect(await ops.run('dlq', 'discard', failing.queue, '--id', a.id, 'gone')).toEqual([
        `1 message(s) discarded from ${failing.queue}.dlq; not in ${failing.queue}.dlq: gone`,
      ]);
      expect((await deadIds()).sort()).toEqual([b.id, c.id].sort());

      // Retried, b fails again and comes back to the dead-letter queue; c stays there meanwhile.
      expect(await ops.run('dlq', 'retry', failing.queue, '--id', b.id)).toEqual([
        `1 message(s) moved back to ${failing.queue}`,
      ]);
      await waitFor(async () => (await deadIds()).length === 2, { message: 'b dead again' });
      expect((await deadIds()).sort()).toEqual([b.id, c.id].sort());

      expect(await ops.run('dlq', 'discard', failing.queue, '--all')).toEqual([
        `2 message(s) discarded from ${failing.queue}.dlq`,
      ]);
      expect(await ops.run('dlq', 'list', failing.queue)).toEqual([
        `${failing.queue}.dlq is empty`,
      ]);
    });
  });
});
