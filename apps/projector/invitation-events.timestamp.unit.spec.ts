import fc from 'fast-check';
import { ProjectionError, timestamp } from './invitation-events';

/** What `timestamp` promises: the same instant, as `toISOString` writes it. */
const normalised = (v: string) => new Date(Date.parse(v)).toISOString();

describe('event timestamps', () => {
  describe('when a timestamp is already canonical', () => {
    it('is kept as it is', () => {
      expect(timestamp('2026-11-26T10:00:00.000Z', 'at')).toBe('2026-11-26T10:00:00.000Z');
      expect(timestamp('2028-02-29T23:59:59.999Z', 'at')).toBe('2028-02-29T23:59:59.999Z');
    });
  });

  describe('when it has another form of the same instant', () => {
    it('is rewritten as UTC with milliseconds', () => {
      expect(timestamp('2026-11-26T10:00:00Z', 'at')).toBe('2026-11-26T10:00:00.000Z');
      expect(timestamp('2026-11-26T11:00:00+01:00', 'at')).toBe('2026-11-26T10:00:00.000Z');
    });
  });

  describe('when its day does not exist in its month', () => {
    it('is read the way the platform date parser reads it', () => {
      for (const v of [
        '2026-02-29T00:00:00.000Z',
        '2026-04-31T10:00:00.000Z',
        '2100-02-29T00:00:00.000Z',
      ])
        expect(timestamp(v, 'at')).toBe(normalised(v));
    });
  });

  describe('when it is not a timestamp', () => {
    it('throws a ProjectionError naming the field', () => {
      for (const v of ['', 'yesterday', '2026-13-01T00:00:00.000Z', 42, null])
        expect(() => timestamp(v, 'acceptedAt')).toThrow(ProjectionError);
    });
  });

  describe('when any instant is written canonically', () => {
    it('gives what parsing and re-formatting would', () => {
      const instant = fc.date({
        min: new Date(0),
        max: new Date('9999-12-31T23:59:59.999Z'),
        noInvalidDate: true,
      });
      fc.assert(fc.property(instant, (d) => timestamp(d.toISOString(), 'at') === d.toISOString()));
      const shaped = fc
        .tuple(
          fc.integer({ min: 1970, max: 2400 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 31 }),
          fc.integer({ min: 0, max: 23 }),
        )
        .map(([y, m, d, h]) => {
          const two = (n: number) => String(n).padStart(2, '0');
          return `${y}-${two(m)}-${two(d)}T${two(h)}:30:00.000Z`;
        });
      fc.assert(fc.property(shaped, (v) => timestamp(v, 'at') === normalised(v)));
    });
  });
});
