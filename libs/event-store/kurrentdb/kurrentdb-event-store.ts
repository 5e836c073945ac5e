import {
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  FORWARDS,
  KurrentDBClient,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  UnsupportedError,
  WrongExpectedVersionError,
  eventTypeFilter,
  isCommandError,
  jsonEvent,
  type AppendStreamState,
  type Direction,
  type ReadPosition,
} from '@kurrent/kurrentdb-client';
import {
  checkAppends,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.port';
import { at, exactTypes, positionOf, toRecorded } from './kurrentdb-records';
import { lastEvent } from './last-event';
import { subscribeToAll } from './kurrentdb-subscription';
import { OpenSubscriptions } from '../open-subscriptions';
import { writtenDespiteFailure } from '../written-despite-failure';

const PAGE = 64;

/**
 * After an append fails without saying whether it was written (a deadline
 * passed, the server answered with a commit timeout, the connection dropped),
 * how long its events are looked for: the server may commit it moments after
 * answering. A refusal (access denied, a deleted stream, too large) is looked
 * for once, as any failure is.
 */
const SETTLE = { forMs: 5_000, everyMs: 250 };
const ONCE = { forMs: 0, everyMs: 0 };

/** A failure that leaves open whether the server wrote the append. */
const unclear = (error: unknown): boolean =>
  !(error instanceof Error && isCommandError(error)) ||
  [DeadlineExceededError, UnavailableError, CancelledError, TimeoutError, UnknownError].some(
    (kind) => error instanceof kind,
  );

/** A server before 25.1 has no multi-stream appends: a setting to fix, said as such. */
const tooOld = (error: UnsupportedError) =>
  new Error(
    `KurrentDB at EVENT_STORE_URL does not support ${error.feature}: it needs ${error.minimumVersion} or later`,
    { cause: error },
  );

/**
 * Event store on a KurrentDB server. Port positions are commit positions of
 * `$all`; ordinary appends give each event a commit position equal to its
 * prepare position, so a port position maps back to `{ commit: p, prepare: p }`.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly subscriptions = new OpenSubscriptions();
  /** Appends sent and not answered yet: closing the client would cancel them, written or not. */
  private readonly appending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(connectionString: string) {
    // The client only knows kurrentdb/kdb/kurrent (and the deprecated esdb) schemes.
    this.client = KurrentDBClient.connectionString(
      connectionString.replace(/^(esdb|eventstore)(\+discover)?:\/\//, 'kurrentdb$2://'),
    );
  }

  async append(
    stream: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const appends = [{ streamName: stream, events, expected }];
    checkAppends(appends);
    try {
      const result = await this.tracked(() =>
        this.client.appendToStream(stream, events.map(toEventData), {
          streamState: streamStateOf(expected),
        }),
      );
      if (!result.position) throw new Error(`append to ${stream}: KurrentDB reported no position`);
      return {
        nextRevision: Number(result.nextExpectedRevision),
        position: result.position.commit,
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) {
        const [written] = (await this.lookFor(appends, error)) ?? [];
        if (written) return written;
        throw error;
      }
      throw new WrongExpectedRevisionError(stream, expected, actualOf(error));
    }
  }

  /** KurrentDB 25.1+: one atomic multi-stream append. */
  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    checkAppends(appends);
    try {
      const result = await this.tracked(() =>
        this.client.multiStreamAppend(
          appends.map(({ streamName, events, expected }) => ({
            streamName,
            events: events.map(toEventData),
            expectedState: streamStateOf(expected),
          })),
        ),
      );
      return appends.map(({ streamName }) => {
        const written = result.responses.find((r) => r.streamName === streamName);
        if (!written) throw new Error(`append to ${streamName}: KurrentDB reported no revision`);
        return { nextRevision: Number(written.revision), position: result.position };
      });
    } catch (error) {
      if (error instanceof UnsupportedError) throw tooOld(error);
      if (!(error instanceof WrongExpectedVersionError)) {
        const written = await this.lookFor(appends, error);
        if (written) return written;
        throw error;
      }
      const stream = appends.find((a) => a.streamName === error.streamName) ?? appends[0];
      throw new WrongExpectedRevisionError(stream.streamName, stream.expected, actualOf(error));
    }
  }

  /** Whether a failed append was written all the same; looked for until the store closes. */
  private lookFor(appends: StreamAppend[], error: unknown) {
    const settle = unclear(error) ? SETTLE : ONCE;
    return writtenDespiteFailure(this, appends, { ...settle, until: () => this.closed });
  }

  async readStream(stream: string, fromRevision = 0): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      const options = { fromRevision: BigInt(fromRevision) };
      for await (const resolved of this.client.readStream(stream, options)) {
        const event = toRecorded(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  readLastEvent(stream: string): Promise<RecordedEvent | undefined> {
    return lastEvent(this.client, stream);
  }

  /**
   * Reads pages until `maxCount` user events are found, since system events
   * are skipped client-side. `types` are filtered by the server, which reads
   * on until it has found a page's worth or reached the end, so a short page
   * still means the end; `until` is applied here, page by page.
   */
  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const { after, maxCount, types, until } = options;
    const events: RecordedEvent[] = [];
    const wanted = (e: RecordedEvent) => !types || types.includes(e.type);
    let from = after;
    // Reading from a position includes the event at it: kept on the first page if asked for.
    let keepFrom = options.inclusive === true || after === 0n;
    while (events.length < maxCount) {
      const want = maxCount - events.length + 1;
      const page = await this.page(at(from), FORWARDS, want, types);
      const fresh = page.events.filter(
        (e) => e.position > from || (keepFrom && e.position === from),
      );
      keepFrom = false;
      const inRange = until === undefined ? fresh : fresh.filter((e) => e.position <= until);
      events.push(...inRange.filter(wanted));
      if (inRange.length < fresh.length) break; // past `until`
      if (page.count < want || page.last === undefined) break;
      from = page.last;
    }
    return events.slice(0, maxCount);
  }

  async headPosition(): Promise<bigint> {
    let from: ReadPosition = END;
    for (;;) {
      const page = await this.page(from, BACKWARDS, PAGE);
      if (page.events.length > 0) return page.events[0].position;
      if (page.count < PAGE || page.last === undefined) return 0n;
      from = at(page.last);
    }
  }

  async endPosition(): Promise<bigint> {
    const { last } = await this.page(END, BACKWARDS, 1);
    return last ?? 0n;
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    return this.subscriptions.track(subscribeToAll(this.client, options));
  }

  /** Stops the subscriptions and lets the appends already sent finish, then closes the client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscriptions.stopAll();
    await Promise.allSettled([...this.appending]);
    await this.client.dispose();
  }

  private async tracked<T>(send: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the KurrentDB event store is closed');
    const answer = send();
    this.appending.add(answer);
    try {
      return await answer;
    } finally {
      this.appending.delete(answer);
    }
  }

  /**
   * One raw page of `$all`, of the given types only if any: the user events in
   * it, how many records it held, and the last record's position.
   */
  private async page(
    fromPosition: ReadPosition,
    direction: Direction,
    maxCount: number,
    types?: readonly string[],
  ) {
    const events: RecordedEvent[] = [];
    let count = 0;
    let last: bigint | undefined;
    const filter = types && eventTypeFilter({ regex: exactTypes(types) });
    const options = { fromPosition, direction, maxCount, ...(filter && { filter }) };
    for await (const resolved of this.client.readAll(options)) {
      count += 1;
      last = positionOf(resolved) ?? last;
      const event = toRecorded(resolved);
      if (event && !event.streamName.startsWith('$')) events.push(event);
    }
    return { events, count, last };
  }
}

// Metadata stays a flat map of strings, which multi-stream appends require.
const toEventData = (e: NewEvent) =>
  jsonEvent({ id: e.eventId, type: e.type, data: e.data, metadata: { ...e.metadata } });

const streamStateOf = (expected: ExpectedRevision): AppendStreamState =>
  typeof expected === 'number' ? BigInt(expected) : expected;

const actualOf = (error: WrongExpectedVersionError): number | 'no_stream' =>
  error.actualState === 'no_stream' ? 'no_stream' : Number(error.actualState);
