/**
 * The message of anything thrown, for logs and dead-letter reasons: an
 * Error's message, a string as it is, an error-like object's `message`
 * (Nest RPC errors are plain objects), or else its JSON.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String(error.message);
  }
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
