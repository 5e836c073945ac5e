/**
 * The closed set of failure kinds the system reports. Each maps to one HTTP
 * status in `problem-details.filter.ts`; the `code` is the stable,
 * machine-readable reason (`email_taken`, `invitation_expired`, …).
 */
export type ErrorKind =
  | 'invalid' // 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'gone' // 410
  | 'payload_too_large' // 413
  | 'rate_limited' // 429
  | 'unavailable'; // 503

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    /** Extra members for the problem document (e.g. the id of a conflicting invitation). */
    readonly extra: Record<string, unknown> = {},
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const invalid = (code: string, message: string, errors?: FieldError[]) =>
  new AppError('invalid', code, message, {}, errors);
export const unauthenticated = (code: string, message: string) =>
  new AppError('unauthenticated', code, message);
export const forbidden = (code: string, message: string) =>
  new AppError('forbidden', code, message);
export const notFound = (code: string, message: string) => new AppError('not_found', code, message);
export const conflict = (code: string, message: string, extra?: Record<string, unknown>) =>
  new AppError('conflict', code, message, extra);
export const gone = (code: string, message: string) => new AppError('gone', code, message);

/**
 * A dependency that cannot be reached: 503 with Retry-After. The cause is kept
 * for the log and never answered.
 */
export const unavailable = (code: string, message: string, cause: unknown) =>
  Object.assign(new AppError('unavailable', code, message, { retryAfterSeconds: 1 }), { cause });

/** What lies behind an error raised with a cause, as logs show it after the message: ` (disk full)`, or nothing. */
export function causeOf(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? ` (${cause.message})` : '';
}

/** Rethrows a failure of `what` as 503 `code`; refusals already made (AppErrors) pass as they are. */
export const refuseAsUnavailable =
  (code: string, what: string) =>
  (cause: unknown): never => {
    if (cause instanceof AppError) throw cause;
    throw unavailable(code, `${what} cannot be reached right now; retry shortly.`, cause);
  };

/**
 * `target` with every failing promise it returns turned into 503 `code`
 * (refusals it makes itself, AppErrors, pass as they are): for an adapter
 * whose failures all mean the dependency behind it cannot be reached.
 */
export function unavailableOnFailure<T extends object>(target: T, code: string, what: string): T {
  const refuse = refuseAsUnavailable(code, what);
  return new Proxy(target, {
    get(t, key) {
      const value: unknown = Reflect.get(t, key);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(t, args);
        return result instanceof Promise ? result.catch(refuse) : result;
      };
    },
  });
}
