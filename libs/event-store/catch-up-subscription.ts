import type { RecordedEvent, SubscribeOptions, Subscription } from './event-store.port';

/** What a store must offer for the shared catch-up-then-live loop. */
export interface CatchUpSource {
  read(after: bigint, maxCount: number): Promise<RecordedEvent[]>;
  /** Resolves on the next append (or a timer, for appends from other processes) or when `signal` aborts. */
  waitForAppend(signal: AbortSignal): Promise<void>;
}

/**
 * Reads in batches from the checkpoint until caught up, then waits for the
 * next append. The next batch is read only after the handler settles, so a
 * slow handler slows reading instead of growing a buffer.
 */
export function catchUpSubscription(
  source: CatchUpSource,
  options: SubscribeOptions,
): Subscription {
  const abort = new AbortController();
  const maxBatch = options.maxBatch ?? 500;
  const skip = options.skipStreamPrefixes ?? [];
  const wanted = (e: RecordedEvent) => !skip.some((p) => e.streamName.startsWith(p));

  const run = async () => {
    let after = options.after;
    while (!abort.signal.aborted) {
      const batch = await source.read(after, maxBatch);
      if (abort.signal.aborted) return;
      if (batch.length === 0) {
        await source.waitForAppend(abort.signal);
        continue;
      }
      const delivered = skip.length ? batch.filter(wanted) : batch;
      if (delivered.length) await options.onEvents(delivered);
      after = batch[batch.length - 1].position;
    }
  };

  const done = run();
  done.catch(() => abort.abort());
  return {
    done,
    async stop() {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}
