import type { Message } from 'amqplib';
import { AckBatcher } from './ack-batcher';

const message = (deliveryTag: number) => ({ fields: { deliveryTag } }) as Message;

function setup(count: number) {
  const sent: Array<[tag: number, multiple: boolean]> = [];
  const channel = {
    ack: (m: Message, multiple = false) => void sent.push([m.fields.deliveryTag, multiple]),
  };
  const acks = new AckBatcher(channel);
  const messages = Array.from({ length: count }, (_, i) => message(i + 1));
  messages.forEach((m) => acks.delivered(m));
  return { acks, messages, sent, channel };
}

describe('AckBatcher', () => {
  describe('when the first messages are settled in the same turn', () => {
    it('acks them with one multiple ack', async () => {
      const { acks, messages, sent } = setup(3);
      await Promise.all([acks.ack(messages[1]), acks.ack(messages[0]), acks.ack(messages[2])]);
      expect(sent).toEqual([[3, true]]);
    });
  });

  describe('when a message before others is still being handled', () => {
    it('acks the run before it together and the later ones alone, never the open one', async () => {
      const { acks, messages, sent } = setup(4);
      await Promise.all([acks.ack(messages[0]), acks.ack(messages[1]), acks.ack(messages[3])]);
      expect(sent).toEqual([
        [2, true],
        [4, false],
      ]);
      await acks.ack(messages[2]);
      expect(sent.at(-1)).toEqual([3, true]);
    });
  });

  describe('when a message was settled another way', () => {
    it('passes over it', async () => {
      const { acks, messages, sent } = setup(3);
      acks.forget(messages[0]);
      await Promise.all([acks.ack(messages[1]), acks.ack(messages[2])]);
      expect(sent).toEqual([[3, true]]);
    });
  });

  describe('when the channel is gone', () => {
    it('rejects every ack waiting for that turn', async () => {
      const { acks, messages, channel } = setup(2);
      channel.ack = () => {
        throw new Error('Channel closed');
      };
      const results = await Promise.allSettled(messages.map((m) => acks.ack(m)));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    });
  });
});
