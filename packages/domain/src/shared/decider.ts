/**
 * The whole aggregate as three pure functions (after Emmett's `Decider`).
 *
 * @example
 * const state = events.reduce(order.evolve, order.initialState());
 * const newEvents = order.decide(command, state);
 */
export type Decider<Command, Event, State> = {
  /** Decides which events a command produces from the current state; throws a `DomainError`. */
  decide: (command: Command, state: State) => Event[];
  /** Applies one event; total: never throws, returns the state unchanged when it does not apply. */
  evolve: (state: State, event: Event) => State;
  /** The state of a stream that has no events yet. */
  initialState: () => State;
};

/** A domain event as the deciders see it: a type name and its data. */
export type DomainEvent<Type extends string = string, Data = unknown> = {
  type: Type;
  data: Data;
};

/** A command as the deciders see it: a type name and its data (business time and ids included). */
export type DomainCommand<Type extends string = string, Data = unknown> = {
  type: Type;
  data: Data;
};

/**
 * Folds events into a state with a decider's `evolve`.
 *
 * @example
 * const state = fold(orderDecider, history);
 */
export const fold = <C, E, S>(decider: Decider<C, E, S>, events: readonly E[], from?: S): S =>
  events.reduce(decider.evolve, from ?? decider.initialState());
