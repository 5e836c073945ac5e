import { randomUUID } from 'node:crypto';
import { KurrentDBClient, binaryEvent, jsonEvent } from '@kurrent/kurrentdb-client';
import type { RecordedEvent } from '../event-store.port';
import { eventStoreContract, newEvent } from '../testing/event-store.contract';
import { waitFor } from '../../testing/wait-for';
import { KurrentDbEventStore } from './kurrentdb-event-store';

// Needs a running server, e.g. KURRENTDB_URL=kurrentdb://localhost:2113?tls=false
const url = process.env.KURRENTDB_URL;

describe('KurrentDbEventStore', () => {
  if (!url) {
    // Written directly: the reporter drops console output of a file whose tests are all skipped.
    process.stdout.write(
      'skipped: no KurrentDB at KURRENTDB_URL (set it to run the KurrentDB contract suite)\n',
    );
    it.skip('passes the event store contract', () => undefined);
    return;
  }
  eventStoreContract(async () => new KurrentDbEventStore(url));

  describe('when another service appends events that are not ours to the same server', () => {
    it('passes over them in reads and subscriptions and goes on to ours', async () => {
      const store = new KurrentDbEventStore(url);
      const client = KurrentDBClient.connectionString(url);
      try {
        const start = await store.headPosition();
        const foreign = `billing-${randomUUID()}`;
        await client.appendToStream(foreign, [
          binaryEvent({ type: 'Invoiced', data: new Uint8Array([1, 2, 3]) }),
          jsonEvent({ type: 'Paid', data: { amount: 1 } }), // no metadata
        ]);
        const ours = `contract-${randomUUID()}`;
        await store.append(ours, [newEvent('Mine')], 'no_stream');

        const read = await store.readAll({ after: start, maxCount: 1000 });
        expect(read.filter((e) => e.streamName === foreign)).toEqual([]);
        expect(read.some((e) => e.streamName === ours)).toBe(true);
        expect(await store.headPosition()).toBeGreaterThan(start);

        const seen: RecordedEvent[] = [];
        const sub = store.subscribeToAll({
          after: start,
          maxBatch: 1,
          onEvents: async (events) => {
            seen.push(...events);
          },
        });
        await waitFor(() => seen.some((e) => e.streamName === ours), { message: 'our event' });
        await sub.stop();
        expect(seen.filter((e) => e.streamName === foreign)).toEqual([]);
      } finally {
        await store.close();
        await client.dispose();
      }
    });
  });

  describe('when an append’s answer is lost after the server wrote it', () => {
    it('answers it as written, as a clean append would, while a write not made still fails', async () => {
      const store = new KurrentDbEventStore(url);
      const client = (store as unknown as { client: KurrentDBClient }).client;
      const send = client.appendToStream.bind(client) as (...args: unknown[]) => Promise<unknown>;
      const appendToStream = jest.spyOn(client, 'appendToStream') as unknown as jest.SpyInstance<
        Promise<unknown>,
        unknown[]
      >;
      try {
        const stream = `contract-${randomUUID()}`;
        await store.append(stream, [newEvent('First')], 'no_stream');
        appendToStream.mockImplementationOnce(async (...args) => {
          await send(...args);
          throw new Error('connection dropped before the answer');
        });
        const result = await store.append(stream, [newEvent('Second')], 0);
        const recorded = await store.readStream(stream);
        expect(recorded.map((e) => e.type)).toEqual(['First', 'Second']);
        expect(result).toEqual({ nextRevision: 1, position: recorded[1].position });

        appendToStream.mockRejectedValueOnce(new Error('server unreachable'));
        await expect(store.append(stream, [newEvent('Lost')], 1)).rejects.toThrow(
          'server unreachable',
        );
      } finally {
        appendToStream.mockRestore();
        await store.close();
      }
    });
  });
});
