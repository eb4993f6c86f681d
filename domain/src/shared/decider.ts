/** An aggregate as three pure functions (J. Chassaing's Decider). */
export type Decider<Command, State, Event> = {
  readonly initialState: State;
  readonly evolve: (state: State, event: Event) => State;
  readonly decide: (command: Command, state: State) => Event[];
};

export type Message<Type extends string = string, Data = unknown> = { readonly type: Type; readonly data: Data };

export const fold = <S, E>(decider: Pick<Decider<unknown, S, E>, 'evolve' | 'initialState'>, events: readonly E[]): S =>
  events.reduce(decider.evolve, decider.initialState);

export const assertNever = (value: never): never => {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
};
