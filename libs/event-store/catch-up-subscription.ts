import {
  readThrough,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './event-store.port';

/** What a store must offer for the shared catch-up-then-live loop. */
export interface CatchUpSource {
  read(options: ReadAllOptions): Promise<RecordedEvent[]>;
  head(): Promise<bigint>;
  /** How many appends the source has heard of: moves once each is readable. */
  appends(): number;
  /**
   * Resolves once the source has heard of more appends than `seen` (at once if
   * it has already), on a timer (appends from other processes), or when
   * `signal` aborts.
   */
  waitForAppend(signal: AbortSignal, seen: number): Promise<void>;
  /**
   * Positions one filtered read looks over at most, where positions are
   * consecutive rows: a read for rare types over a long run of others walked
   * them all in one statement (0.6 s of event loop per million events).
   */
  scanSpan?: bigint;
}

/**
 * Reads in batches from the checkpoint until caught up, then waits for the
 * next append. The next batch is read only after the handler settles, so a
 * slow handler slows reading instead of growing a buffer. A short read has
 * reached what was appended before it, so the next read waits for a later
 * append: one read per wake-up, not one plus an empty one.
 */
export function catchUpSubscription(
  source: CatchUpSource,
  options: SubscribeOptions,
): Subscription {
  const abort = new AbortController();
  const maxBatch = options.maxBatch ?? 500;
  const skip = options.skipStreamPrefixes ?? [];
  const wanted = (e: RecordedEvent) => !skip.some((p) => e.streamName.startsWith(p));
  const types = options.types;

  const run = async () => {
    let after = options.after;
    while (!abort.signal.aborted) {
      // Appends heard of by now are in the read; a later one wakes the next read.
      const seen = source.appends();
      // With types, a read stops at the head it saw, so it can move past what it did not want.
      const head = types ? await source.head() : undefined;
      const span = source.scanSpan;
      const until =
        head !== undefined && span !== undefined && head - after > span ? after + span : head;
      const batch = await source.read({ after, maxCount: maxBatch, types, until });
      if (abort.signal.aborted) return;
      const through =
        until === undefined ? batch.at(-1)?.position : readThrough(batch, maxBatch, until);
      if (through !== undefined && through > after) {
        const delivered = skip.length ? batch.filter(wanted) : batch;
        if (delivered.length) await options.onEvents(delivered, through);
        else await options.onSkipped?.(through);
        after = through;
      }
      // Short of the head it saw, the next span is read at once.
      if (batch.length < maxBatch && until === head) await source.waitForAppend(abort.signal, seen);
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
