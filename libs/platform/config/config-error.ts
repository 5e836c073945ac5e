/** A configuration value that stops the service at start: one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/**
 * A URL fit for an error line: everything between `//` and the last `@` is
 * hidden, since a password may hold an unencoded `/` or `@`.
 */
export const redactCredentials = (url: string) => url.replace(/\/\/.*@/, '//***@');
