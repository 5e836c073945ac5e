/**
 * The options the KurrentDB client reads from a connection string
 * (`parseConnectionString` in @kurrent/kurrentdb-client), compared as it
 * compares them: trimmed, in any case, with any `_` or `-`.
 */
const OPTIONS = [
  'userCertFile',
  'userKeyFile',
  'maxDiscoverAttempts',
  'connectionName',
  'defaultDeadline',
  'discoveryInterval',
  'gossipTimeout',
  'nodePreference',
  'tls',
  'tlsVerifyCert',
  'tlsCAFile',
  'throwOnAppendFailure',
  'keepAliveInterval',
  'keepAliveTimeout',
];
/** The client reads this one only when spelled exactly so. */
const EXACT_OPTIONS = ['dnsDiscover'];
export const KNOWN_OPTIONS = [...OPTIONS, ...EXACT_OPTIONS];

const flat = (key: string) => key.trim().toLowerCase().replace(/[_-]/g, '');
const known = new Set(OPTIONS.map(flat));

/**
 * The `key=value` pairs of a connection string as its client splits them: the
 * string trimmed and without trailing slashes, the query after the hosts (so a
 * `?` in the password is not taken for it).
 */
function clientOptions(url: string): [key: string, value: string][] {
  const afterScheme = url
    .trim()
    .replace(/\/+$/, '')
    .replace(/^[^:]*:\/\//, '');
  const hostsAndQuery = afterScheme.replace(/^[^:]+:[^@]+@/, '');
  const query = hostsAndQuery.split('?').slice(1).join('?');
  if (!query) return [];
  return query.split('&').map((pair) => {
    const [key, ...value] = pair.split('=');
    return [key, value.join('=')];
  });
}

/**
 * An option as the client reads it: the key in any spelling it takes, the value trimmed as it
 * trims it, the last one given winning.
 */
export function clientOption(url: string, name: string): string | undefined {
  return clientOptions(url)
    .filter(([key]) => flat(key) === flat(name))
    .map(([, value]) => value.trim())
    .at(-1);
}

/**
 * Keys the client does not know. It would warn of each on the console with
 * the whole string, password included, and then ignore the setting.
 */
export function unknownOptionKeys(url: string): string[] {
  return clientOptions(url)
    .map(([key]) => key)
    .filter((key) => !known.has(flat(key)) && !EXACT_OPTIONS.includes(key));
}
