import { PARKED_COUNT_LIMIT } from '../../../../libs/read-store/read-models.port';
import { parkedCount } from './projections';

describe('parkedCount', () => {
  describe('when the read models stopped counting at their limit', () => {
    it('says at least that many', () => {
      expect(parkedCount(PARKED_COUNT_LIMIT)).toBe(`${PARKED_COUNT_LIMIT}+`);
    });
  });

  describe('when fewer are parked', () => {
    it('gives the count', () => {
      expect(parkedCount(0)).toBe('0');
      expect(parkedCount(PARKED_COUNT_LIMIT - 1)).toBe(`${PARKED_COUNT_LIMIT - 1}`);
    });
  });
});
