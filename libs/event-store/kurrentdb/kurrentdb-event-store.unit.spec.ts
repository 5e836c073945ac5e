import {
  AccessDeniedError,
  DeadlineExceededError,
  UnsupportedError,
  type KurrentDBClient,
} from '@kurrent/kurrentdb-client';
import type { RecordedEvent } from '../event-store.port';
import { newEvent } from '../testing/event-store.contract';
import { KurrentDbEventStore } from './kurrentdb-event-store';

describe('KurrentDB event store, its client replaced', () => {
  // A store whose client is never connected: its calls are replaced one by one.
  let store: KurrentDbEventStore;
  let client: KurrentDBClient;
  beforeEach(() => {
    store = new KurrentDbEventStore('kurrentdb://127.0.0.1:1?tls=false');
    client = (store as unknown as { client: KurrentDBClient }).client;
  });
  afterEach(() => store.close());

  describe('when the server is too old for multi-stream appends', () => {
    it('says which version it needs, without looking for the events it could not write', async () => {
      jest
        .spyOn(client, 'multiStreamAppend')
        .mockRejectedValue(new UnsupportedError('multiStreamAppend', '25.1'));
      const read = jest.spyOn(store, 'readStream');
      await expect(
        store.appendToStreams([
          { streamName: 'a', events: [newEvent('One')], expected: 'no_stream' },
          { streamName: 'b', events: [newEvent('Two')], expected: 'no_stream' },
        ]),
      ).rejects.toThrow(/EVENT_STORE_URL does not support multiStreamAppend: it needs 25.1/);
      expect(read).not.toHaveBeenCalled();
    });
  });

  /** A gRPC failure as the client wraps it. */
  const grpcError = (code: number, details: string) =>
    ({
      code,
      details,
      message: `${code} ${details}`,
      metadata: { getMap: () => ({}) },
    }) as unknown as ConstructorParameters<typeof DeadlineExceededError>[0];

  describe('when an append’s deadline passes and the server writes it moments later', () => {
    it('finds it when it looks again, rather than failing a write that was made', async () => {
      const event = newEvent('Late');
      jest
        .spyOn(client, 'appendToStream')
        .mockRejectedValue(new DeadlineExceededError(grpcError(4, 'deadline exceeded')));
      let looks = 0;
      const recorded = { ...event, streamName: 'a', revision: 0, position: 7n } as RecordedEvent;
      jest
        .spyOn(store, 'readStream')
        .mockImplementation(async () => (++looks < 3 ? [] : [recorded]));
      await expect(store.append('a', [event], 'no_stream')).resolves.toEqual({
        nextRevision: 0,
        position: 7n,
      });
      expect(looks).toBe(3);
    });
  });

  describe('when the server refuses an append outright', () => {
    it('looks for it once and fails, without waiting', async () => {
      jest
        .spyOn(client, 'appendToStream')
        .mockRejectedValue(new AccessDeniedError(grpcError(7, 'access denied')));
      const read = jest.spyOn(store, 'readStream').mockResolvedValue([]);
      await expect(store.append('a', [newEvent('One')], 'no_stream')).rejects.toBeInstanceOf(
        AccessDeniedError,
      );
      expect(read).toHaveBeenCalledTimes(1);
    });
  });
});
