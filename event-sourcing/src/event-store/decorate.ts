import type { EventStore } from './port.ts';

/** The store with some of its methods replaced; every other one is the store's own, bound to it. */
export const overriding = <S extends EventStore>(store: S, overrides: Partial<EventStore>): S =>
  new Proxy(store, {
    get: (target, property, receiver) => {
      if (typeof property === 'string' && property in overrides) return overrides[property as keyof EventStore];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
