/**
 * A fault-injecting Store wrapper for failure tests: the Nth store operation (counted across every
 * method, 1-based) fails.
 *
 * Two failure modes, because a real database fails in both:
 * - "before": the operation throws without touching the data (connection refused, timeout before send);
 * - "after":  the operation is applied, then throws (the write reached MongoDB, the reply was lost).
 * A flow that is correct under "after" cannot rely on "an error means nothing happened".
 *
 * `FaultController.enabled = false` pauses counting and injection (for test set-up and invariant walks);
 * `controller.inner` is the unwrapped store for the same purpose.
 */
import type { Reply } from "./client.js";
import { interceptedAdapter } from "./intercept.js";
import type { Adapter, BindEnv, FindManyOptions, Row, Schema, Store, UpsertChange, Value, Where } from "../../src/adapters/types.js";

export type FaultMode = "before" | "after";

export interface InjectedFault {
  index: number;
  operation: string;
  model: string;
  mode: FaultMode;
}

export class InjectedStoreError extends Error {
  constructor(readonly fault: InjectedFault) {
    super(`injected store fault: operation #${fault.index} ${fault.operation}(${fault.model}) ${fault.mode}`);
    this.name = "InjectedStoreError";
  }
}

export class FaultController {
  /** Operations counted since the last reset(). */
  ops = 0;
  /** 1-based index of the operation to fail; 0 = none. */
  failAt = 0;
  mode: FaultMode = "before";
  enabled = true;
  /** Every operation counted since the last reset(), as "op(model)": shows which step a fault hit. */
  readonly trace: string[] = [];
  readonly injected: InjectedFault[] = [];
  /** The store that was wrapped (set when the adapter binds). */
  inner: Store | null = null;

  /** Start counting from zero; fail operation `failAt` (0 = never) in `mode`. */
  reset(failAt = 0, mode: FaultMode = "before"): void {
    this.ops = 0;
    this.failAt = failAt;
    this.mode = mode;
    this.trace.length = 0;
    this.enabled = true;
  }

  /** Counts one operation; returns the fault to inject for it, if any. */
  next(operation: string, model: string): InjectedFault | null {
    if (!this.enabled) return null;
    this.ops += 1;
    this.trace.push(`${operation}(${model})`);
    if (this.ops !== this.failAt) return null;
    const fault = { index: this.ops, operation, model, mode: this.mode };
    this.injected.push(fault);
    return fault;
  }
}

async function guarded<T>(ctl: FaultController, operation: string, model: string, run: () => Promise<T>): Promise<T> {
  const fault = ctl.next(operation, model);
  if (fault === null) return run();
  if (fault.mode === "before") throw new InjectedStoreError(fault);
  await run();
  throw new InjectedStoreError(fault);
}

export function faultyStore(inner: Store, ctl: FaultController): Store {
  const store: Store = {
    create: <T extends Row>(model: string, data: T) => guarded(ctl, "create", model, () => inner.create<T>(model, data)),
    findOne: <T extends Row>(model: string, where: readonly Where[]) =>
      guarded(ctl, "findOne", model, () => inner.findOne<T>(model, where)),
    findMany: <T extends Row>(model: string, where: readonly Where[], options?: FindManyOptions) =>
      guarded(ctl, "findMany", model, () => inner.findMany<T>(model, where, options)),
    count: (model: string, where: readonly Where[]) => guarded(ctl, "count", model, () => inner.count(model, where)),
    update: <T extends Row>(model: string, where: readonly Where[], data: Partial<T>) =>
      guarded(ctl, "update", model, () => inner.update<T>(model, where, data)),
    increment: <T extends Row>(model: string, where: readonly Where[], field: string, by: number, set?: Record<string, Value>) =>
      guarded(ctl, "increment", model, () => inner.increment<T>(model, where, field, by, set)),
    findOneJoined: <T extends Row, J extends Row>(model: string, where: readonly Where[], join: { model: string; field: string }) =>
      guarded(ctl, "findOneJoined", model, () => inner.findOneJoined<T, J>(model, where, join)),
    createMany: <T extends Row>(model: string, rows: readonly T[]) =>
      guarded(ctl, "createMany", model, () => inner.createMany<T>(model, rows)),
    upsert: <T extends Row>(model: string, where: readonly Where[], change: UpsertChange) =>
      guarded(ctl, "upsert", model, () => inner.upsert<T>(model, where, change)),
    deleteOne: <T extends Row>(model: string, where: readonly Where[]) =>
      guarded(ctl, "deleteOne", model, () => inner.deleteOne<T>(model, where)),
    deleteMany: (model: string, where: readonly Where[]) => guarded(ctl, "deleteMany", model, () => inner.deleteMany(model, where)),
  };
  return store;
}

/** Wraps an adapter so that the store it binds injects faults under `ctl`. */
export function faultyAdapter(inner: Adapter, ctl: FaultController): Adapter {
  return {
    name: `faulty(${inner.name})`,
    bind(schema: Schema, env?: BindEnv): Store {
      const bound = inner.bind(schema, env);
      ctl.inner = bound;
      return faultyStore(bound, ctl);
    },
  };
}

/** A fault chosen by what it hits rather than by index: the next `op` on `model` fails, once. */
export interface TargetedFault {
  op: keyof Store;
  model: string;
  mode: FaultMode;
}

/** Arm `plan.fault`; the adapter clears it when it fires and counts the hit in `plan.hits`. */
export interface FaultPlan {
  fault: TargetedFault | null;
  hits: number;
}

/** memoryAdapter-like `inner` whose next operation matching `plan.fault` fails once. */
export function targetedFaultAdapter(inner: Adapter, plan: FaultPlan): Adapter {
  return interceptedAdapter(inner, "targeted-fault", async (op, args, run) => {
    const f = plan.fault;
    if (f === null || f.op !== op || f.model !== args[0]) return run();
    plan.fault = null;
    plan.hits += 1;
    if (f.mode === "after") await run();
    throw new Error(`injected: ${f.op}(${f.model}) ${f.mode}`);
  });
}

/** How long one request of a fault-injection flow may take before the test calls it a hang. */
export const FAULT_FLOW_TIMEOUT_MS = 5_000;

/** `p`, or a rejection naming `what` if it does not settle within FAULT_FLOW_TIMEOUT_MS (a hang is a failure). */
export function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer within ${FAULT_FLOW_TIMEOUT_MS} ms`)), FAULT_FLOW_TIMEOUT_MS);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

/**
 * What is wrong with an answer given while a store operation fails, or null: it must be a well-formed
 * JSON body; 5xx is allowed (the store failed), an empty, HTML or code-less error body is not.
 */
export function faultAnswerProblem(a: Reply): string | null {
  if (a.status < 200 || (a.status >= 300 && a.status < 400) || a.status > 599) return `status ${a.status}`;
  if (a.body === undefined || (a.body === null && a.status >= 400)) return `body not JSON: ${a.text.slice(0, 80)}`;
  if (a.status >= 400 && (typeof a.body.message !== "string" || typeof a.body.code !== "string"))
    return `error body without message/code: ${a.text.slice(0, 80)}`;
  return null;
}
