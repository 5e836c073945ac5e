import { Long } from 'mongodb';
import { fromInt64, toInt64 } from './int64';

describe('when a position is stored as int64', () => {
  it('keeps every position up to 2^63 - 1 and refuses what would wrap', () => {
    expect(toInt64(2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    expect(() => toInt64(2n ** 63n)).toThrow(RangeError);
    expect(() => toInt64(-1n)).toThrow(RangeError);
  });

  it('reads back bigint, Long and small numbers alike', () => {
    expect(fromInt64(7n)).toBe(7n);
    expect(fromInt64(Long.fromBigInt(2n ** 62n))).toBe(2n ** 62n);
    expect(fromInt64(42)).toBe(42n);
    expect(() => fromInt64('42')).toThrow(TypeError);
  });
});
