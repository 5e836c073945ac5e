type Change = 'readable' | 'end' | 'close' | 'error';

/** What `nextBatch` uses of an object-mode `Readable`. */
export interface ObjectSource {
  read(): unknown;
  readonly errored: Error | null;
  readonly readableEnded: boolean;
  readonly destroyed: boolean;
  on(event: Change, listener: () => void): unknown;
  off(event: Change, listener: () => void): unknown;
}

/**
 * What an object-mode stream holds, up to `max` items: at once when it holds
 * any, else as soon as some arrive. `null` once it has ended or was
 * destroyed; rejects with its error. A consumer that takes its turn after each
 * batch so receives, in one go, everything that piled up meanwhile, where
 * iterating would hand it one item per turn. The stream buffers at most its
 * `highWaterMark` while nobody reads, so memory stays bounded.
 */
export function nextBatch<T>(stream: ObjectSource, max: number): Promise<T[] | null> {
  return new Promise((resolve, reject) => {
    const settled = (): boolean => {
      if (stream.errored) {
        reject(stream.errored);
        return true;
      }
      const items: T[] = [];
      while (items.length < max) {
        const item = stream.read() as T | null;
        if (item === null) break;
        items.push(item);
      }
      if (items.length > 0) resolve(items);
      else if (stream.readableEnded || stream.destroyed) resolve(null);
      else return false;
      return true;
    };
    if (settled()) return;
    const events: Change[] = ['readable', 'end', 'close', 'error'];
    const check = () => {
      if (!settled()) return;
      for (const event of events) stream.off(event, check);
    };
    for (const event of events) stream.on(event, check);
  });
}
