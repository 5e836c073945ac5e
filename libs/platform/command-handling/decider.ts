/** A domain event as the decider sees it: no metadata, no position. */
export interface DomainEvent<Type extends string = string, Data = Record<string, unknown>> {
  type: Type;
  data: Data;
}

/**
 * Pure domain logic for one kind of stream. `decide` returns the events a
 * command produces (or throws an AppError to refuse it); `evolve` folds one
 * event into the state. Time comes in as `now`; ids come in on the command.
 */
// Methods, not function-typed properties: a decider of a given state, command and event
// then also serves where any decider is taken (one handler runs several kinds together).
export interface Decider<State, Command, Event extends DomainEvent> {
  /** Set when `evolve` ignores the state it is given: commands then read the stream's last event alone. */
  readonly latestOnly?: boolean;
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State, now: Date): Event[];
}

/**
 * Thrown by `decide` when the command was decided against an observation of
 * another stream that no longer holds: the caller observes again and retries.
 * Not a failure, so it is counted apart from errors.
 */
export class StaleObservationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StaleObservationError';
  }
}
