import { ConfigError, configErrorOf, redactCredentials } from '../platform/config/config-error';
import { sqliteUrl } from '../platform/config/sqlite-url';
import type { EventStore } from './event-store.port';
import { clientOption, KNOWN_OPTIONS, unknownOptionKeys } from './kurrentdb/connection-options';
import { SqliteEventStore, type SqliteSynchronous } from './sqlite/sqlite-event-store';

const VARIABLE = 'EVENT_STORE_URL';

/**
 * `sqlite:<path>[?synchronous=normal]` or `kurrentdb://…` / `esdb://…`; a URL
 * the store cannot take names the variable. The KurrentDB client is loaded
 * only when asked for.
 */
export function openEventStore(
  url: string,
  warn: (msg: string) => void = () => undefined,
): EventStore {
  if (url.startsWith('sqlite:')) return openSqlite(url, warn);
  if (/^(kurrentdb|kurrent|kdb|esdb|eventstore)(\+discover)?:\/\//.test(url)) {
    return openKurrentDb(url);
  }
  throw new ConfigError(VARIABLE, `unsupported scheme in ${redactCredentials(url)}`);
}

function openSqlite(url: string, warn: (msg: string) => void): EventStore {
  const { path, params } = sqliteUrl(VARIABLE, url, ['synchronous']);
  const synchronous = (params.get('synchronous') ?? 'full').toLowerCase();
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw new ConfigError(VARIABLE, `synchronous must be full or normal, got ${synchronous}`);
  }
  if (path === ':memory:') {
    warn('EVENT_STORE_URL: sqlite::memory: — every event is lost when the process ends');
  }
  if (synchronous === 'normal') {
    warn('EVENT_STORE_URL: synchronous=normal — acknowledged appends may be lost on power failure');
  }
  try {
    return new SqliteEventStore(path, { synchronous: synchronous as SqliteSynchronous, warn });
  } catch (error) {
    throw configErrorOf(VARIABLE, error, `cannot open ${path}`);
  }
}

function openKurrentDb(url: string): EventStore {
  // Checked before the client sees it: it would print the whole string, password included.
  const [unknown] = unknownOptionKeys(url);
  if (unknown !== undefined) {
    throw new ConfigError(
      VARIABLE,
      `unknown option "${unknown}" in ${redactCredentials(url)} (the client reads ${KNOWN_OPTIONS.join(', ')})`,
    );
  }
  // With it the client answers a conflict with a result instead of an error, so no command would retry.
  if (clientOption(url, 'throwOnAppendFailure') === 'false') {
    throw new ConfigError(VARIABLE, 'throwOnAppendFailure=false is not supported');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { KurrentDbEventStore } = require('./kurrentdb/kurrentdb-event-store');
  try {
    return new KurrentDbEventStore(url);
  } catch (error) {
    // The client's own words (`Unexpected "no" at position 27…`) do not say which setting.
    throw configErrorOf(VARIABLE, error);
  }
}
