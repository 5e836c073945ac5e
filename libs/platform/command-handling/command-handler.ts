import { randomUUID } from 'node:crypto';
import {
  WrongExpectedRevisionError,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from '../../event-store';
import { AppError, conflict } from '../errors/app-error';
import { categoryOf, metrics } from '../observability/metrics';
import { jitteredWait, type Backoff } from '../retry/backoff';
import { StaleObservationError, type Decider, type DomainEvent } from './decider';
import { cycleReads, readFor, storeFailure, type ReadsFor } from './stream-reads';

export { readHistory } from './stream-reads';

export interface CommandContext {
  correlationId: string;
  causationId: string;
  actor: string;
  now: Date;
}

export interface CommandResult<State, Event> {
  state: State;
  /** What this command appended; empty when it changed nothing (an idempotent repeat). */
  events: Event[];
  /**
   * For read-your-writes: the global position of the stream's last event after
   * the command — what it appended (for a commit on several streams, the
   * commit's last, so waiting for it covers the commit), or, for a repeat that
   * changed nothing, what was already there. Undefined only for a stream that
   * is still empty.
   */
  position?: bigint;
}

/**
 * How long a command keeps trying against other writers. A try loses only to
 * another command's commit on one of its streams, so a count of tries would
 * cap how many may race on one stream (a customer deferring forty acceptances
 * at once, all noted on their one stream); a span of time lets every racer
 * through while the store keeps committing, and still ends a decider that
 * keeps asking to observe again.
 */
const RETRY_FOR_MS = 2_000;
/** However slow the tries, a command gets at least this many. */
const MIN_ATTEMPTS = 3;

/** Before another try: a random wait up to 2 ms, doubling with the tries, at most 64 ms. */
const LOST_RACE: Backoff = { firstMs: 2, maxMs: 64 };

/** One command on one stream, as a part of a decision that spans several streams. */
export interface StreamCommand<
  State = unknown,
  Command = unknown,
  Event extends DomainEvent = DomainEvent,
> {
  decider: Decider<State, Command, Event>;
  streamName: string;
  command: Command;
}

/** Builds a StreamCommand with its types checked against the decider. */
export const onStream = <State, Command, Event extends DomainEvent>(
  decider: Decider<State, Command, Event>,
  streamName: string,
  command: Command,
): StreamCommand<State, Command, Event> => ({ decider, streamName, command });

/** The commands decided together: the first one's result comes back typed, the others' as any stream's. */
export type Commands<State, Event extends DomainEvent> = [
  StreamCommand<State, unknown, Event>,
  ...StreamCommand[],
];

/**
 * The one command handler: read the stream (for a `latestOnly` decider, its
 * last event), fold it, decide, append at the revision read. A concurrent
 * writer makes the append fail; then the whole cycle runs again on the fresh
 * stream, so `decide` always sees what it changes.
 */
export async function handleCommand<State, Command, Event extends DomainEvent>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  streamName: string,
  command: Command,
  context: CommandContext,
): Promise<CommandResult<State, Event>> {
  const [result] = await handleCommands(
    store,
    () => [onStream(decider, streamName, command)],
    context,
  );
  return result;
}

/** A stream's state as `prepare` observes it; deciding on that stream reuses the same read. */
export type LoadState = <State, Event extends DomainEvent>(
  decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve' | 'latestOnly'>,
  streamName: string,
) => Promise<{ state: State; exists: boolean }>;

/**
 * The same cycle over several streams decided together: each is read and
 * decided, then all are appended in one commit at the revisions read, or none
 * is. A concurrent writer on any of them, or an observation that went stale
 * (`StaleObservationError`), runs the whole cycle again after a short random
 * wait, `prepare` included, so what it observed (through `load`) is fresh too;
 * after trying for `RETRY_FOR_MS` it refuses with `concurrent_update`. Within one cycle
 * each stream is read once. Results follow the order of `prepare`'s commands;
 * the first stream names the metrics category. `beforeAppend` runs once the
 * commands are decided, before a commit that writes something: what must be
 * on disk before the commit (an email written down) costs nothing for a refusal.
 */
export async function handleCommands<State, Event extends DomainEvent>(
  store: EventStore,
  prepare: (load: LoadState) => Commands<State, Event> | Promise<Commands<State, Event>>,
  context: CommandContext,
  beforeAppend?: () => Promise<void>,
): Promise<[CommandResult<State, Event>, ...CommandResult<unknown, DomainEvent>[]]> {
  let category = 'unknown';
  const stopTimer = metrics.commandSeconds.startTimer();
  const started = performance.now();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const read = cycleReads(store);
        const load: LoadState = async (decider, stream) => {
          const history = await read(decider, stream);
          return { state: fold(decider, history), exists: history.length > 0 };
        };
        const commands: StreamCommand[] = await prepare(load);
        category = categoryOf(commands[0].streamName);
        const results = await decideAndAppend(store, read, commands, context, beforeAppend);
        const changed = results.some((r) => r.events.length > 0);
        metrics.commands.inc({ category, outcome: changed ? 'ok' : 'unchanged' });
        // In the order of `commands`, whose first is the typed one.
        return results as [CommandResult<State, Event>, ...CommandResult<unknown, DomainEvent>[]];
      } catch (error) {
        const retry =
          error instanceof WrongExpectedRevisionError || error instanceof StaleObservationError;
        if (!retry) throw error;
        const late = performance.now() - started >= RETRY_FOR_MS;
        if (late && attempt >= MIN_ATTEMPTS) {
          throw Object.assign(concurrentUpdate(), { cause: error });
        }
        metrics.commands.inc({ category, outcome: 'conflict_retry' });
        await jitteredWait(LOST_RACE, attempt - 1);
      }
    }
  } catch (error) {
    metrics.commands.inc({ category, outcome: outcomeOf(error) });
    throw error;
  } finally {
    stopTimer({ category });
  }
}

async function decideAndAppend(
  store: EventStore,
  read: (decider: ReadsFor, stream: string) => Promise<RecordedEvent[]>,
  commands: StreamCommand[],
  context: CommandContext,
  beforeAppend?: () => Promise<void>,
): Promise<CommandResult<unknown, DomainEvent>[]> {
  if (new Set(commands.map((c) => c.streamName)).size < commands.length) {
    throw new Error('handleCommands takes one command per stream'); // a second would never fit
  }
  // In order, so the first command's refusal is the one reported.
  const decided = [];
  for (const { decider, streamName, command } of commands) {
    const history = await read(decider, streamName);
    const state = fold(decider, history);
    const events = decider.decide(command, state, context.now);
    const expected: ExpectedRevision = history.length
      ? history[history.length - 1].revision
      : 'no_stream';
    decided.push({ decider, streamName, state, events, expected, last: history.at(-1)?.position });
  }
  const writes = decided.filter((d) => d.events.length > 0);
  const appends = writes.map((d) => ({
    streamName: d.streamName,
    events: d.events.map((e) => toNew(e, context)),
    expected: d.expected,
  }));
  if (appends.length > 0) await beforeAppend?.();
  const appended =
    appends.length === 0
      ? []
      : await (
          appends.length === 1
            ? store
                .append(appends[0].streamName, appends[0].events, appends[0].expected)
                .then((one) => [one])
            : store.appendToStreams(appends)
        ).catch(storeFailure);
  return decided.map((d) => {
    const i = writes.indexOf(d);
    if (i < 0) return { state: d.state, events: d.events, position: d.last };
    return {
      state: d.events.reduce(d.decider.evolve, d.state),
      events: d.events,
      position: appended[i].position,
    };
  });
}

/** Still losing to other writers after every try: the caller may simply send it again. */
const concurrentUpdate = () =>
  conflict(
    'concurrent_update',
    'Other requests kept changing the same records while this one was applied; retry it.',
    { retryAfterSeconds: 1 },
  );

/** Current state of a stream, for reads that must be strongly consistent. */
export async function loadState<State, Event extends DomainEvent>(
  store: EventStore,
  decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve' | 'latestOnly'>,
  streamName: string,
): Promise<{ state: State; exists: boolean }> {
  const history = await readFor(store, decider, streamName);
  return { state: fold(decider, history), exists: history.length > 0 };
}

/** The state `history` folds to. */
export function fold<State, Event extends DomainEvent>(
  decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve'>,
  history: RecordedEvent[],
): State {
  return history.reduce(
    (s, e) => decider.evolve(s, { type: e.type, data: e.data } as Event),
    decider.initialState(),
  );
}

function toNew(event: DomainEvent, context: CommandContext): NewEvent {
  return {
    eventId: randomUUID(),
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: {
      correlationId: context.correlationId,
      causationId: context.causationId,
      actor: context.actor,
      occurredAt: context.now.toISOString(),
    },
  };
}

function outcomeOf(error: unknown): string {
  if (!(error instanceof AppError)) return 'error';
  if (error.code === 'concurrent_update' || error.kind === 'unavailable') return error.code;
  return 'refused';
}
