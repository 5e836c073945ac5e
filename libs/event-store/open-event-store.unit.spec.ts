import { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';
import { openEventStore } from './open-event-store';

describe('openEventStore', () => {
  describe('when a SQLite setting gives up durability', () => {
    it.each([
      ['sqlite::memory:', /every event is lost when the process ends/],
      ['sqlite::memory:?synchronous=normal', /acknowledged appends may be lost on power failure/],
    ])('says so for %s, never silently', async (url, warning) => {
      const warnings: string[] = [];
      const store = openEventStore(url, (m) => warnings.push(m));
      await store.close();
      expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(warning)]));
    });
  });

  describe('when the URL names KurrentDB by any scheme its client knows', () => {
    it.each(['kurrentdb', 'kurrent', 'kdb', 'esdb', 'kurrentdb+discover'])(
      'opens KurrentDB for %s:// without connecting yet',
      async (scheme) => {
        const store = openEventStore(`${scheme}://127.0.0.1:1?tls=false`);
        expect(store).toBeInstanceOf(KurrentDbEventStore);
        await store.close();
      },
    );
  });

  describe('when the URL names no store it knows', () => {
    it('refuses it naming the variable', () => {
      expect(() => openEventStore('sqlite:/tmp/x?synchronous=off')).toThrow(/^EVENT_STORE_URL: /);
      expect(() => openEventStore('postgres://db')).toThrow(/^EVENT_STORE_URL: /);
    });

    it('refuses a setting the stores cannot honour', () => {
      expect(() => openEventStore('sqlite: :memory:')).toThrow(/spaces around it/);
      expect(() =>
        openEventStore('kurrentdb://127.0.0.1:1?tls=false&ThrowOnAppendFailure=false'),
      ).toThrow(/throwOnAppendFailure=false is not supported/);
      expect(() =>
        openEventStore('kurrentdb://127.0.0.1:1?tls=false&throwOnAppendFailure=false/ '),
      ).toThrow(/throwOnAppendFailure=false is not supported/);
      expect(() =>
        openEventStore('kurrentdb://127.0.0.1:1?tls=false&throw_on-append_failure=false'),
      ).toThrow(/throwOnAppendFailure=false is not supported/);
    });

    it('names the variable when the KurrentDB client cannot read the string', () => {
      expect(() => openEventStore('kurrentdb://127.0.0.1:1?tls=no')).toThrow(/^EVENT_STORE_URL: /);
    });
  });
});
