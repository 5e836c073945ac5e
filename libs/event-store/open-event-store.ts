import { errorMessage } from '../platform/errors/error-message';
import type { EventStore } from './event-store.port';
import { SqliteEventStore, type SqliteSynchronous } from './sqlite/sqlite-event-store';

/**
 * `sqlite:<path>[?synchronous=normal]` or `kurrentdb://…` / `esdb://…`.
 * The KurrentDB client is loaded only when asked for.
 */
export function openEventStore(
  url: string,
  warn: (msg: string) => void = () => undefined,
): EventStore {
  if (url.startsWith('sqlite:')) {
    const [path, query = ''] = url.slice('sqlite:'.length).split('?');
    // SQLite trims a file name, but not everywhere alike: ' :memory:' would be two databases.
    if (path.trim() !== path)
      throw new Error('EVENT_STORE_URL: the SQLite path has spaces around it');
    const synchronous = (new URLSearchParams(query).get('synchronous') ?? 'full').toLowerCase();
    if (synchronous !== 'full' && synchronous !== 'normal') {
      throw new Error(`EVENT_STORE_URL: synchronous must be full or normal, got ${synchronous}`);
    }
    if (path === ':memory:') {
      warn('EVENT_STORE_URL: sqlite::memory: — every event is lost when the process ends');
    }
    if (synchronous === 'normal') {
      warn(
        'EVENT_STORE_URL: synchronous=normal — acknowledged appends may be lost on power failure',
      );
    }
    return new SqliteEventStore(path, { synchronous: synchronous as SqliteSynchronous, warn });
  }
  if (/^(kurrentdb|kurrent|kdb|esdb|eventstore)(\+discover)?:\/\//.test(url)) {
    // With it the client answers a conflict with a result instead of an error, so no command would retry.
    if (clientOption(url, 'throwOnAppendFailure') === 'false') {
      throw new Error('EVENT_STORE_URL: throwOnAppendFailure=false is not supported');
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { KurrentDbEventStore } = require('./kurrentdb/kurrentdb-event-store');
    try {
      return new KurrentDbEventStore(url);
    } catch (error) {
      // The client's own words (`Unexpected "no" at position 27…`) do not say which setting.
      throw new Error(`EVENT_STORE_URL: ${errorMessage(error)}`, { cause: error });
    }
  }
  throw new Error(`EVENT_STORE_URL: unsupported scheme in ${url}`);
}

/**
 * An option of a KurrentDB connection string as its client reads it: the
 * string trimmed and without trailing slashes, the key in any case and with
 * any `_` or `-`. The last one given wins.
 */
function clientOption(url: string, name: string): string | undefined {
  const flat = (key: string) => key.trim().toLowerCase().replace(/[_-]/g, '');
  const query = url.trim().replace(/\/+$/, '').split('?')[1] ?? '';
  const values = query
    .split('&')
    .map((pair) => pair.split('='))
    .filter(([key]) => flat(key) === flat(name))
    .map(([, value]) => value);
  return values.at(-1);
}
