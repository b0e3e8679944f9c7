/**
 * Store wrappers for tests: `interceptedAdapter(inner, name, intercept)` binds `inner` and routes every
 * store method call through `intercept(op, args, run)`, where `run()` is the real call. Used for
 * latency, operation counts, targeted faults and races; faulty-store.ts's index-counting wrapper lists
 * every method instead, so a new store method cannot slip past it.
 */
import type { Adapter, Store } from "../../src/adapters/types.js";

/** `op`: the method name; `args`: its arguments (`args[0]` is the model); `store`: the unwrapped store. */
export type Intercept = (op: keyof Store, args: unknown[], run: () => Promise<unknown>, store: Store) => unknown;

export function interceptedAdapter(inner: Adapter, name: string, intercept: Intercept): Adapter {
  return {
    name: `${name}(${inner.name})`,
    bind(schema, env) {
      const store = inner.bind(schema, env);
      return new Proxy(store, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (typeof value !== "function") return value;
          const fn = value as (...a: unknown[]) => Promise<unknown>;
          return (...args: unknown[]) => intercept(prop as keyof Store, args, () => fn.apply(target, args), target);
        },
      });
    },
  };
}
