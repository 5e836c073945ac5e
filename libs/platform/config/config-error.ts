import { errorMessage } from '../errors/error-message';

/** A configuration value that stops the service at start: one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`${variable}: ${problem}`, options);
    this.name = 'ConfigError';
  }
}

/**
 * A URL fit for an error line: everything between `//` and the last `@` is
 * hidden, since a password may hold an unencoded `/` or `@`.
 */
export const redactCredentials = (url: string) => url.replace(/\/\/.*@/, '//***@');

/**
 * What a driver or the system said about a configured value, as a ConfigError
 * naming the variable: their words do not say which setting, and may quote the
 * URL with its password.
 */
export function configErrorOf(variable: string, error: unknown, context?: string): ConfigError {
  if (error instanceof ConfigError) return error;
  const problem = redactCredentials(errorMessage(error));
  return new ConfigError(variable, context ? `${context}: ${problem}` : problem, { cause: error });
}
