/** An aggregate as three pure functions (J. Chassaing's Decider). */
export type Decider<Command, State, Event> = {
  readonly initialState: State;
  readonly evolve: (state: State, event: Event) => State;
  readonly decide: (command: Command, state: State) => Event[];
};

export const fold = <S, E>(decider: Pick<Decider<unknown, S, E>, 'evolve' | 'initialState'>, events: readonly E[]): S =>
  events.reduce(decider.evolve, decider.initialState);

/**
 * The default branch of every `evolve`: exhaustive at compile time (a new event type that is not
 * handled does not type-check), while at run time an event this version does not know, written by
 * a newer one, leaves the state as it is instead of making the stream unreadable.
 */
export const unknownEvent = <S>(state: S, _event: never): S => state;

export const assertNever = (value: never): never => {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
};
