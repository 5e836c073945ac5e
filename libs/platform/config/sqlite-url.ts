import { ConfigError } from './config-error';

/**
 * A `sqlite:<path>[?key=value&…]` URL's path and parameters. A key not in
 * `accepted` is refused: ignored, a mistyped one would look taken.
 */
export function sqliteUrl(
  variable: string,
  url: string,
  accepted: readonly string[] = [],
): { path: string; params: URLSearchParams } {
  const [path, query = ''] = url.slice('sqlite:'.length).split('?');
  // SQLite trims a file name, but not everywhere alike: ' :memory:' would be two databases.
  if (path.trim() !== path) throw new ConfigError(variable, 'the SQLite path has spaces around it');
  const params = new URLSearchParams(query);
  const unknown = [...params.keys()].find((key) => !accepted.includes(key));
  if (unknown !== undefined) {
    const takes = accepted.length ? `only ${accepted.join(', ')}` : 'none';
    throw new ConfigError(variable, `unknown parameter "${unknown}" (SQLite takes ${takes})`);
  }
  return { path, params };
}
