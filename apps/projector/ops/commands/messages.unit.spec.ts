import { InProcessBroker } from '../../../../libs/messaging/in-process/in-process-broker';
import { cloudEvent } from '../../../../libs/messaging/testing/fixtures';
import type { OpsContext } from '../ops-context';
import { discardDeadLetters, retryDeadLetters } from './messages';

describe('dlq commands', () => {
  const queue = 'ops-test';
  const type = 'ops-test.failing.v1';
  let broker: InProcessBroker;
  let lines: string[];
  let ctx: OpsContext;
  beforeEach(async () => {
    broker = new InProcessBroker({ log: () => undefined });
    // Every message it gets is dead-lettered at once.
    await broker.consume({
      queue,
      bindingKeys: [type],
      prefetch: 1,
      maxRetries: 0,
      retryDelayMs: 1,
      handle: async () => {
        throw new Error('cannot be handled');
      },
    });
    lines = [];
    ctx = {
      broker,
      sharedBroker: true,
      out: (l) => lines.push(l),
    } as Partial<OpsContext> as OpsContext;
  });
  afterEach(() => broker.close());
  const deadIds = async () => (await broker.deadLetters(queue)).map((d) => d.messageId);

  describe('when a message was dead-lettered twice and another id named is not there', () => {
    it('discards both copies and names the missing id', async () => {
      const a = cloudEvent(type);
      await broker.publish([a, a]); // a redelivered copy, as at-least-once delivery allows
      await discardDeadLetters(ctx, queue, { id: [a.id, 'gone'] });
      expect(lines).toEqual([
        `2 message(s) discarded from ${queue}.dlq; not in ${queue}.dlq: gone`,
      ]);
      expect(await deadIds()).toEqual([]);
    });

    it('retries both copies and names the missing id', async () => {
      const a = cloudEvent(type);
      await broker.publish([a, a]);
      await retryDeadLetters(ctx, queue, { id: [a.id, 'gone'] });
      expect(lines).toEqual([`2 message(s) moved back to ${queue}; not in ${queue}.dlq: gone`]);
    });
  });

  describe('when an id is named twice', () => {
    it('settles its message once and does not call it missing', async () => {
      const [a, b] = [cloudEvent(type), cloudEvent(type)];
      await broker.publish([a, b]);
      await discardDeadLetters(ctx, queue, { id: [a.id, a.id] });
      expect(lines).toEqual([`1 message(s) discarded from ${queue}.dlq`]);
      expect(await deadIds()).toEqual([b.id]);

      await retryDeadLetters(ctx, queue, { id: [b.id, b.id] });
      expect(lines.at(-1)).toBe(`1 message(s) moved back to ${queue}`);
    });
  });

  describe('when several ids are not in the dead-letter queue', () => {
    it('names each of them once', async () => {
      const a = cloudEvent(type);
      await broker.publish([a]);
      await discardDeadLetters(ctx, queue, { id: ['x', a.id, 'y', 'x'] });
      expect(lines).toEqual([
        `1 message(s) discarded from ${queue}.dlq; not in ${queue}.dlq: x, y`,
      ]);
    });
  });

  describe('when no id is named', () => {
    it('retries every dead letter and reports no missing id', async () => {
      await broker.publish([cloudEvent(type), cloudEvent(type)]);
      await retryDeadLetters(ctx, queue);
      expect(lines).toEqual([`2 message(s) moved back to ${queue}`]);
    });
  });
});
