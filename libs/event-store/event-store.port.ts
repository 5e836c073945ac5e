/**
 * The event store port. Positions are 64-bit (`bigint`) so KurrentDB's commit
 * positions survive without precision loss; revisions are per stream and
 * start at 0.
 */

export interface EventMetadata {
  correlationId: string;
  causationId: string;
  /** `user:<userId>` or `service:<name>`. */
  actor: string;
  /** UTC ISO-8601. */
  occurredAt: string;
}

export interface NewEvent {
  /**
   * Unique id. Callers never append an id twice: SQLite would record the event
   * again, while KurrentDB takes a repeated batch as already written.
   */
  eventId: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

export interface RecordedEvent extends NewEvent {
  streamName: string;
  revision: number;
  /** Global, strictly increasing across all streams. */
  position: bigint;
}

/** `no_stream`: the stream must not exist; `stream_exists`: it must; a number: its last revision. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendResult {
  /** Revision of the last appended event. */
  nextRevision: number;
  /**
   * Global position at or after the last appended event: in an append to
   * several streams, KurrentDB gives every stream the commit's last position.
   * Waiting for it (`X-Min-Position`) covers the whole commit.
   */
  position: bigint;
}

/** One stream's part of an atomic append to several streams. */
export interface StreamAppend {
  streamName: string;
  events: NewEvent[];
  expected: ExpectedRevision;
}

/** The results of one commit as the port gives them: every stream at the commit's last position. */
export function atCommitEnd(results: AppendResult[]): AppendResult[] {
  const last = results.reduce((max, r) => (r.position > max ? r.position : max), 0n);
  return results.map((r) => ({ ...r, position: last }));
}

/** Refuses an append with no streams, or a stream with no events: every adapter's first check. */
export function checkAppends(appends: StreamAppend[]): void {
  if (appends.length === 0 || appends.some((a) => a.events.length === 0)) {
    throw new Error('append needs at least one event per stream');
  }
  // Readers take such an event for another service's (KurrentDB) or fail on it: never written.
  for (const { streamName, events } of appends) {
    const bad = events.find((e) => !isJsonObject(e.data) || !isJsonObject(e.metadata));
    if (bad) throw new Error(`append to ${streamName}: ${bad.type} needs object data and metadata`);
  }
}

/** What an event's data and metadata must be: a plain JSON object, not an array, bytes or null. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === '[object Object]';
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. `0n` reads from the start. */
  after: bigint;
  /**
   * The event at `after` too: a start an operator names, where the position
   * before it is unknown (on KurrentDB a position is a log offset, and one
   * inside a record cannot be read from).
   */
  inclusive?: boolean;
  maxCount: number;
  /**
   * Only events of these types. Fewer than `maxCount` back means every event
   * up to `until` (or to the head, without it) was looked at, so a reader can
   * move its checkpoint there even when none matched.
   */
  types?: readonly string[];
  /** Inclusive: no event after this position. */
  until?: bigint;
}

/**
 * Where a `readAll` bounded by `until` ended: at `until` when it came back
 * short (everything up to there was looked at), else at its last event.
 */
export function readThrough(events: RecordedEvent[], maxCount: number, until: bigint): bigint {
  return events.length < maxCount ? until : events[events.length - 1].position;
}

export interface SubscribeOptions {
  /** Exclusive checkpoint: delivery starts strictly after it. */
  after: bigint;
  /**
   * Called with batches in global order; the next batch is only read once the
   * returned promise settles, so nothing is buffered without bound. A rejection
   * ends the subscription with that error. `through` is the position read
   * through: the last event's, or past it when a filtered read went on past
   * events of other types.
   */
  onEvents: (events: RecordedEvent[], through: bigint) => Promise<void>;
  /** Largest batch handed to `onEvents` while catching up. */
  maxBatch?: number;
  /** Stream-name prefixes to skip (system streams start with `$`). */
  skipStreamPrefixes?: string[];
  /**
   * Only events of these types are read and delivered (the store filters
   * them, so the others are never parsed); the subscription still moves past
   * the others.
   */
  types?: readonly string[];
  /**
   * Called when reading moved past events none of which were delivered (other
   * types, skipped streams), with the position read through, so a reader can
   * move its checkpoint there. Settles before the next read, like `onEvents`.
   * KurrentDB calls it at the server's checkpoint notices (after each window
   * of events read), so a reader there moves past other types in steps.
   */
  onSkipped?: (through: bigint) => Promise<void>;
}

export interface Subscription {
  /** Resolves when the subscription is stopped; rejects with the handler's or the store's error. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export interface EventStore {
  append(streamName: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Appends to several streams in one commit: every stream's expected revision
   * holds and all are written, or none is (a WrongExpectedRevisionError names
   * the first stream that did not match). Results follow the order given.
   */
  appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]>;
  /** The whole stream in revision order; `[]` when the stream does not exist. */
  readStream(streamName: string, fromRevision?: number): Promise<RecordedEvent[]>;
  /**
   * The stream's last event, as `readStream` would end, read without the
   * events before it; `undefined` when the stream does not exist.
   */
  readLastEvent(streamName: string): Promise<RecordedEvent | undefined>;
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the last event in the store, `0n` when empty. */
  headPosition(): Promise<bigint>;
  /**
   * Position of the store's last record of any stream, system ones included
   * (KurrentDB's `$` streams): no subscription's checkpoint can be past it,
   * while one can be past `headPosition` there. `0n` when empty.
   */
  endPosition(): Promise<bigint>;
  subscribeToAll(options: SubscribeOptions): Subscription;
  /** Stops its subscriptions (their `done` resolves), lets accepted appends finish, then closes. */
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamName}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** DI token for the configured store. */
export const EVENT_STORE = Symbol('EVENT_STORE');
