import { Long } from 'mongodb';

const MAX = 2n ** 63n - 1n;

/** Event positions are stored as BSON int64: exact, ordered by the server, and compact. */
export function toInt64(position: bigint): bigint {
  if (position < 0n || position > MAX) {
    throw new RangeError(`position ${position} does not fit a signed 64-bit integer`);
  }
  return position;
}

/** Reads a stored position back, whichever way the driver decoded it. */
export function fromInt64(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (value instanceof Long) return value.toBigInt();
  throw new TypeError(`not a stored position: ${String(value)}`);
}

/** Collection options that decode every int64 as a `bigint`. */
export const BIGINT_DECODING = { useBigInt64: true } as const;
