import {
  BACKWARDS,
  END,
  StreamNotFoundError,
  type KurrentDBClient,
  type ReadStreamOptions,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { lastEvent } from './last-event';

const metadata = {
  correlationId: 'c1',
  causationId: 'c0',
  actor: 'service:test',
  occurredAt: '2026-11-27T10:00:00.000Z',
};

/** A record of stream `s` at `revision`, ours unless given other fields. */
const record = (revision: number, fields: Record<string, unknown> = {}) =>
  ({
    event: {
      streamId: 's',
      revision: BigInt(revision),
      id: `e${revision}`,
      type: 'Claimed',
      data: { n: revision },
      metadata,
      isJson: true,
      created: new Date(),
      position: { commit: BigInt(100 + revision), prepare: BigInt(100 + revision) },
      ...fields,
    },
  }) as unknown as ResolvedEvent;

/** A client whose `readStream` reads `records` (in revision order) as the server would. */
function clientOver(records: ResolvedEvent[] | Error) {
  const calls: ReadStreamOptions[] = [];
  const readStream = async function* (_stream: string, options: ReadStreamOptions) {
    calls.push(options);
    if (records instanceof Error) throw records;
    const from = options.fromRevision === END ? records.length - 1 : Number(options.fromRevision);
    const count = Number(options.maxCount);
    for (let r = from; r >= 0 && r > from - count; r--) yield records[r];
  };
  return { client: { readStream } as unknown as KurrentDBClient, calls };
}

describe('the last event of a KurrentDB stream', () => {
  describe('when the stream does not exist', () => {
    it('is undefined', async () => {
      const { client } = clientOver(new StreamNotFoundError(undefined, 's'));
      expect(await lastEvent(client, 's')).toBeUndefined();
    });
  });

  describe('when the stream ends with one of ours', () => {
    it('reads that one record backwards from the end', async () => {
      const { client, calls } = clientOver([0, 1, 2].map((r) => record(r)));
      expect(await lastEvent(client, 's')).toMatchObject({ revision: 2, position: 102n });
      expect(calls).toEqual([{ direction: BACKWARDS, fromRevision: END, maxCount: 1 }]);
    });
  });

  describe('when records that are not ours end the stream', () => {
    it('passes over them as readStream does, to the last of ours', async () => {
      const foreign = { isJson: false, data: new Uint8Array([1]) };
      const records = [record(0), record(1), record(2, foreign), record(3, { type: '$>' })];
      const { client, calls } = clientOver(records);
      expect(await lastEvent(client, 's')).toMatchObject({ revision: 1, eventId: 'e1' });
      expect(calls.map((c) => c.fromRevision)).toEqual([END, 2n]);
    });

    it('is undefined when none of the stream is ours', async () => {
      const { client } = clientOver([record(0, { type: '$>' }), record(1, { isJson: false })]);
      expect(await lastEvent(client, 's')).toBeUndefined();
    });
  });
});
