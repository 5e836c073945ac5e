import { randomUUID } from 'node:crypto';
import {
  WrongExpectedRevisionError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../../event-store';
import { AppError } from '../errors/app-error';
import { categoryOf, metrics } from '../observability/metrics';
import { StaleObservationError, type Decider, type DomainEvent } from './decider';

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
   * the command — what it appended, or, for a repeat that changed nothing, what
   * was already there. Undefined only for a stream that is still empty.
   */
  position?: bigint;
}

const MAX_ATTEMPTS = 5;

/**
 * The one command handler: read the stream, fold it, decide, append at the
 * revision read. A concurrent writer makes the append fail; then the whole
 * cycle runs again on the fresh stream, so `decide` always sees what it changes.
 */
export async function handleCommand<State, Command, Event extends DomainEvent>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  streamName: string,
  command: Command,
  context: CommandContext,
): Promise<CommandResult<State, Event>> {
  const category = categoryOf(streamName);
  const stopTimer = metrics.commandSeconds.startTimer({ category });
  try {
    const result = await decideAndAppend(store, decider, streamName, command, context);
    metrics.commands.inc({ category, outcome: result.events.length ? 'ok' : 'unchanged' });
    return result;
  } catch (error) {
    metrics.commands.inc({ category, outcome: outcomeOf(error) });
    throw error;
  } finally {
    stopTimer();
  }
}

async function decideAndAppend<State, Command, Event extends DomainEvent>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  streamName: string,
  command: Command,
  context: CommandContext,
): Promise<CommandResult<State, Event>> {
  for (let attempt = 1; ; attempt++) {
    const history = await store.readStream(streamName);
    const state = fold(decider, history);
    const events = decider.decide(command, state, context.now);
    if (events.length === 0) return { state, events, position: history.at(-1)?.position };
    try {
      const expected = history.length ? history[history.length - 1].revision : 'no_stream';
      const { position } = await store.append(
        streamName,
        events.map((e) => toNew(e, context)),
        expected,
      );
      return { state: events.reduce(decider.evolve, state), events, position };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
      metrics.commands.inc({ category: categoryOf(streamName), outcome: 'conflict_retry' });
    }
  }
}

/** Current state of a stream, for reads that must be strongly consistent. */
export async function loadState<State, Event extends DomainEvent>(
  store: EventStore,
  decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve'>,
  streamName: string,
): Promise<{ state: State; exists: boolean }> {
  const history = await store.readStream(streamName);
  return { state: fold(decider, history), exists: history.length > 0 };
}

function fold<State, Event extends DomainEvent>(
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
  if (error instanceof AppError) return 'refused';
  return error instanceof StaleObservationError ? 'observe_again' : 'error';
}
