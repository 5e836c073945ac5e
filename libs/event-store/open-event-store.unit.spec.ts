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
      // The client trims the value, so a space after it still turns the setting off.
      expect(() =>
        openEventStore('kurrentdb://127.0.0.1:1?throwOnAppendFailure=false &tls=false'),
      ).toThrow(/throwOnAppendFailure=false is not supported/);
    });

    it('refuses a SQLite parameter it does not read, such as a mistyped one', () => {
      expect(() => openEventStore('sqlite::memory:?synchronus=normal')).toThrow(
        /^EVENT_STORE_URL: unknown parameter "synchronus"/,
      );
    });

    it('names the variable when the KurrentDB client cannot read the string', () => {
      expect(() => openEventStore('kurrentdb://127.0.0.1:1?tls=no')).toThrow(/^EVENT_STORE_URL: /);
    });

    it('never shows the password the client quotes', () => {
      const url = 'kurrentdb://admin:pa?ss@127.0.0.1:1?tls=false'; // its native part refuses the ?
      expect(() => openEventStore(url)).toThrow(/^EVENT_STORE_URL: kurrentdb:\/\/\*\*\*@/);
      expect(() => openEventStore(url)).not.toThrow(/pa\?ss/);
    });
  });

  describe('when a KurrentDB option key is one its client does not read', () => {
    const url = 'kurrentdb://admin:s3cret@127.0.0.1:1?tls=false&foo=bar';

    it('refuses it before the client prints the string, naming the variable, never the password', () => {
      const printed = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        expect(() => openEventStore(url)).toThrow(/^EVENT_STORE_URL: unknown option "foo"/);
        expect(() => openEventStore(url)).not.toThrow(/s3cret/);
        expect(printed).not.toHaveBeenCalled();
      } finally {
        printed.mockRestore();
      }
    });

    it('refuses dnsDiscover spelled otherwise, which the client reads only as written', () => {
      expect(() => openEventStore('kurrentdb://127.0.0.1:1?tls=false&DnsDiscover=false')).toThrow(
        /^EVENT_STORE_URL: unknown option "DnsDiscover"/,
      );
    });
  });

  describe('when a KurrentDB option key is spelled in a case or with separators its client takes', () => {
    it.each([
      'kurrentdb://127.0.0.1:1?TLS=false&Keep_Alive-Interval=10000',
      'kurrentdb://127.0.0.1:1?tls=false&dnsDiscover=false',
    ])('opens %s', async (url) => {
      const store = openEventStore(url);
      expect(store).toBeInstanceOf(KurrentDbEventStore);
      await store.close();
    });
  });
});
