import { correlationIdOf } from './cloud-event';

describe('correlationIdOf', () => {
  describe('when another service sent the correlation id as a number or a boolean', () => {
    it('reads it as text, so it can be recorded and sent on as an AMQP property', () => {
      expect(correlationIdOf({ correlationid: 42 as never })).toBe('42');
      expect(correlationIdOf({ correlationid: true as never })).toBe('true');
    });
  });

  describe('when it is text or absent', () => {
    it('keeps the text and reads absent as absent', () => {
      expect(correlationIdOf({ correlationid: 'c-1' })).toBe('c-1');
      expect(correlationIdOf({})).toBeUndefined();
    });
  });
});
