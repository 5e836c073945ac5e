const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * `bytes` as text, or `undefined` when they are not UTF-8. Node's own
 * decoding puts U+FFFD in place of each bad byte, so a name or an email
 * would be recorded other than it was sent. A leading byte-order mark is
 * dropped, as some encoders write one before JSON.
 */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
