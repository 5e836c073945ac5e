import type { KurrentDBClient, ReadPosition } from '@kurrent/kurrentdb-client';
// The client's own stream class, so the loop meets errors and checkpoints as the client reports them.
import { Subscription } from '@kurrent/kurrentdb-client/dist/streams/utils/Subscription';
import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable, type ReadableOptions } from 'node:stream';
import { waitFor } from '../../testing/wait-for';
import type { RecordedEvent } from '../event-store.port';
import { subscribeToAll } from './kurrentdb-subscription';

/** What the client's catch-up subscription yields for one event of `$all`. */
const record = (position: bigint, type = 'E', streamId = 'stream-1') => ({
  commitPosition: position,
  event: {
    streamId,
    revision: position,
    id: randomUUID(),
    type,
    data: {},
    metadata: {},
    isJson: true,
    created: new Date(),
    position: { commit: position, prepare: position },
  },
});

/** What the server sends on the call, as the client's gRPC stream yields it. */
const response = {
  event: (r: ReturnType<typeof record>) => ({ hasEvent: () => true, getEvent: () => r }),
  checkpoint: (position: bigint) => ({
    hasCheckpoint: () => true,
    getCheckpoint: () => ({
      getCommitPosition: () => position.toString(),
      getPreparePosition: () => position.toString(),
    }),
  }),
};

/**
 * Stands in for the client around its own `Subscription` stream: each call
 * is an object-mode stream the test feeds with server responses, and a call
 * fails as gRPC fails one (its stream ends, then emits the error). The
 * positions asked for are kept.
 */
function fakeClient() {
  const opened: Array<{
    from: ReadPosition;
    sub: Readable;
    send: (r: ReturnType<typeof record>) => void;
    /** The server's checkpoint: where its filtered search has read through. */
    checkpoint: (position: bigint) => void;
    /** The call fails with a gRPC status: by default UNAVAILABLE (a restart, a lost connection). */
    fail: (status?: { code: number; details: string }) => void;
  }> = [];
  const client = {
    subscribeToAll: (
      options: { fromPosition: ReadPosition; filter?: { checkpointReached?: never } },
      readable: ReadableOptions,
    ) => {
      const call = Object.assign(new PassThrough({ objectMode: true }), {
        cancel: () => undefined,
      });
      const sub = new Subscription(
        async () => call as never,
        (e) => e,
        readable,
        options.filter?.checkpointReached,
      );
      opened.push({
        from: options.fromPosition,
        sub,
        send: (r) => call.write(response.event(r)),
        checkpoint: (position) => call.write(response.checkpoint(position)),
        fail: ({ code, details } = { code: 14, details: 'UNAVAILABLE' }) => {
          call.push(null);
          const metadata = { getMap: () => ({}), get: () => [] };
          const error = new Error(`${code} ${details}`);
          call.emit('error', Object.assign(error, { code, details, metadata }));
        },
      });
      return sub;
    },
  } as unknown as Pick<KurrentDBClient, 'subscribeToAll'>;
  return { client, opened };
}

type Batch = { positions: bigint[]; through: bigint };
const batchesOf = (batches: Batch[]) => ({
  onEvents: async (events: RecordedEvent[], through: bigint) => {
    batches.push({ positions: events.map((e) => e.position), through });
  },
});

describe('KurrentDB subscription to $all', () => {
  describe('when events piled up while the handler was busy', () => {
    it('hands them over in batches of at most maxBatch, in order, each with its last position', async () => {
      const { client, opened } = fakeClient();
      const batches: Batch[] = [];
      const sub = subscribeToAll(client, { after: 0n, maxBatch: 4, ...batchesOf(batches) });
      for (let p = 1n; p <= 10n; p++) opened[0].send(record(p));
      await waitFor(() => batches.flatMap((b) => b.positions).length === 10);
      await sub.stop();

      expect(batches.flatMap((b) => b.positions)).toEqual([
        1n,
        2n,
        3n,
        4n,
        5n,
        6n,
        7n,
        8n,
        9n,
        10n,
      ]);
      expect(batches.length).toBeLessThan(10);
      for (const b of batches) {
        expect(b.positions.length).toBeLessThanOrEqual(4);
        expect(b.through).toBe(b.positions.at(-1));
      }
    });
  });

  describe('when some events are not wanted', () => {
    it('delivers only the types asked for outside skipped streams, and reads on past the rest', async () => {
      const { client, opened } = fakeClient();
      const batches: Batch[] = [];
      const sub = subscribeToAll(client, {
        after: 0n,
        types: ['Kept'],
        skipStreamPrefixes: ['guard-'],
        ...batchesOf(batches),
      });
      const { send } = opened[0];
      send(record(1n, 'Kept'));
      send(record(2n, 'Other'));
      send(record(3n, 'Kept', 'guard-1'));
      send(record(4n, '$metadata', '$$stream-1'));
      send(record(5n, 'Kept'));
      send(record(6n, 'Other'));
      await waitFor(() => batches.flatMap((b) => b.positions).length === 2);
      await sub.stop();

      expect(batches.flatMap((b) => b.positions)).toEqual([1n, 5n]);
      // The last batch was read through the unwanted event after its last delivered one.
      expect(batches.at(-1)!.through).toBe(6n);
    });
  });

  describe('when the server reports checkpoints past events of other types', () => {
    it('moves the reader past them with onSkipped, never ahead of an event before the notice', async () => {
      const { client, opened } = fakeClient();
      const calls: string[] = [];
      let release!: () => void;
      const busy = new Promise<void>((r) => (release = r));
      const sub = subscribeToAll(client, {
        after: 0n,
        types: ['Kept'],
        onEvents: async (events, through) => {
          calls.push(`events ${events.map((e) => e.position).join(',')} through ${through}`);
          if (calls.length === 1) await busy;
        },
        onSkipped: async (through) => void calls.push(`skipped through ${through}`),
      });
      const { sub: stream, send, checkpoint } = opened[0];
      send(record(1n, 'Kept'));
      await waitFor(() => calls.length === 1);
      // While the handler holds event 1: event 2, then the server's checkpoint past it.
      send(record(2n, 'Kept'));
      checkpoint(40n);
      await waitFor(() => stream.readableLength === 2, { message: 'event 2 and the notice' });
      release();
      await waitFor(() => calls.length === 2);
      checkpoint(80n);
      await waitFor(() => calls.length === 3);
      checkpoint(80n); // the same checkpoint again, and one behind: nothing to move
      checkpoint(60n);
      send(record(81n, 'Kept'));
      await waitFor(() => calls.length === 4);
      await sub.stop();

      expect(calls).toEqual([
        'events 1 through 1',
        'events 2 through 40',
        'skipped through 80',
        'events 81 through 81',
      ]);
    });

    it('subscribes again from the last checkpoint after a drop', async () => {
      const { client, opened } = fakeClient();
      const skipped: bigint[] = [];
      const sub = subscribeToAll(client, {
        after: 10n,
        types: ['Kept'],
        onEvents: async () => undefined,
        onSkipped: async (through) => void skipped.push(through),
      });
      opened[0].checkpoint(40n);
      await waitFor(() => skipped.length === 1);
      opened[0].fail();

      await waitFor(() => opened.length === 2, { message: 'a second subscription' });
      await sub.stop();
      expect(skipped).toEqual([40n]);
      expect(opened[1].from).toEqual({ commit: 40n, prepare: 40n });
    });
  });

  describe('when the subscription drops', () => {
    it('subscribes again after the last position handled, delivering nothing twice', async () => {
      const { client, opened } = fakeClient();
      const batches: Batch[] = [];
      const sub = subscribeToAll(client, { after: 0n, ...batchesOf(batches) });
      for (let p = 1n; p <= 3n; p++) opened[0].send(record(p));
      await waitFor(() => batches.flatMap((b) => b.positions).length === 3);
      opened[0].fail();

      await waitFor(() => opened.length === 2, { message: 'a second subscription' });
      expect(opened[1].from).toEqual({ commit: 3n, prepare: 3n });
      // The server starts after the position given; were it to repeat that event, it is not handed over twice.
      for (let p = 3n; p <= 4n; p++) opened[1].send(record(p));
      await waitFor(() => batches.flatMap((b) => b.positions).length === 4);
      await sub.stop();

      expect(batches.flatMap((b) => b.positions)).toEqual([1n, 2n, 3n, 4n]);
    });
  });

  describe('when the server refuses the subscription for good', () => {
    it('ends with the error instead of subscribing again', async () => {
      const { client, opened } = fakeClient();
      const batches: Batch[] = [];
      const sub = subscribeToAll(client, { after: 7n, ...batchesOf(batches) });
      opened[0].send(record(8n));
      await waitFor(() => batches.length === 1);
      opened[0].fail({ code: 3, details: 'Trying to read from an invalid position.' });
      await expect(sub.done).rejects.toThrow(/invalid position/);
      expect(opened).toHaveLength(1);
    });
  });

  describe('when the handler fails', () => {
    it('ends with its error', async () => {
      const { client, opened } = fakeClient();
      const sub = subscribeToAll(client, {
        after: 5n,
        onEvents: async () => {
          throw new Error('handler failed');
        },
      });
      expect(opened[0].from).toEqual({ commit: 5n, prepare: 5n });
      opened[0].send(record(6n));
      await expect(sub.done).rejects.toThrow('handler failed');
    });
  });

  describe('when stopped while waiting for events', () => {
    it('ends without error and opens no other subscription', async () => {
      const { client, opened } = fakeClient();
      const sub = subscribeToAll(client, { after: 0n, onEvents: async () => undefined });
      await sub.stop();
      await expect(sub.done).resolves.toBeUndefined();
      expect(opened).toHaveLength(1);
    });
  });
});
