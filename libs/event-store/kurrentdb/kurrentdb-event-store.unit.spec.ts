import { UnsupportedError, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import { newEvent } from '../testing/event-store.contract';
import { KurrentDbEventStore } from './kurrentdb-event-store';

/** A store whose client is never connected: its calls are replaced one by one. */
function storeWithClient() {
  const store = new KurrentDbEventStore('kurrentdb://127.0.0.1:1?tls=false');
  const client = (store as unknown as { client: KurrentDBClient }).client;
  return { store, client };
}

describe('KurrentDB event store, its client replaced', () => {
  describe('when the server is too old for multi-stream appends', () => {
    it('says which version it needs, without looking for the events it could not write', async () => {
      const { store, client } = storeWithClient();
      try {
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
      } finally {
        await store.close();
      }
    });
  });
});
