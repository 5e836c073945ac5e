import { wholeNumber } from './whole-number';

describe('wholeNumber', () => {
  describe('when the text is plain decimal digits', () => {
    it('reads it as a number', () => {
      expect(wholeNumber({ value: '5' })).toBe(5);
      expect(wholeNumber({ value: '0100' })).toBe(100);
    });
  });

  describe('when the text is a number written any other way', () => {
    it('leaves it as text', () => {
      for (const value of ['0x10', '1e1', '5.0', '  5', '5 ', '+5', '-5', '', '1'.repeat(16)]) {
        expect(wholeNumber({ value })).toBe(value);
      }
    });
  });

  describe('when the value is not text', () => {
    it('leaves it as it is', () => {
      for (const value of [undefined, ['5', '6'], 5]) expect(wholeNumber({ value })).toBe(value);
    });
  });
});
