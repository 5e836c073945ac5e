import { isTimestamp, timestampMs } from './timestamp';

describe('timestampMs', () => {
  describe('when the timestamp is an ordinary one', () => {
    it('reads it as Date.parse does, offsets included', () => {
      expect(timestampMs('2026-11-26T10:00:00Z')).toBe(Date.parse('2026-11-26T10:00:00Z'));
      expect(timestampMs('2026-11-26T12:00:00.5+02:00')).toBe(Date.parse('2026-11-26T10:00:00.5Z'));
    });
  });

  describe('when it names a leap second', () => {
    it('reads it as the next second, as POSIX time does', () => {
      const leap = '2026-12-31T23:59:60Z';
      expect(isTimestamp(leap)).toBe(true);
      expect(Date.parse(leap)).toBeNaN();
      expect(timestampMs(leap)).toBe(Date.parse('2027-01-01T00:00:00Z'));
      expect(timestampMs('2026-12-31T23:59:60.250+00:00')).toBe(
        Date.parse('2027-01-01T00:00:00.250Z'),
      );
    });
  });

  describe('when it is not a timestamp', () => {
    it('gives NaN', () => {
      expect(timestampMs('yesterday')).toBeNaN();
    });
  });
});
