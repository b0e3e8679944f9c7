/**
 * The store port: the one interface every storage adapter implements.
 *
 * Every rule that must hold across server processes (single use, attempt caps, lockout, replay guard,
 * rate limits) is expressed through these operations, so it holds wherever the adapter keeps its data.
 * The operations that say "atomic" must be atomic against concurrent callers in every adapter: the
 * memory adapter by doing them in one synchronous step, MongoDB by one server-side operation.
 */

export type Value = string | number | boolean | Date | null;

/** A stored row. `id` is always a string; other fields follow the model's schema. */
export type Row = { id: string } & Record<string, Value>;

export type Operator = "eq" | "ne" | "lt" | "lte" | "gt" | "gte" | "in";

/** One condition; a `Where[]` is the conjunction (AND) of its conditions. `value: null` with `eq` matches a missing or null field. */
export interface Where {
  field: string;
  value: Value | readonly Value[];
  operator?: Operator; // default "eq"
}

export interface FindManyOptions {
  limit?: number;
  sortBy?: { field: string; direction: "asc" | "desc" };
}

export type FieldType = "string" | "number" | "boolean" | "date";

export interface FieldDef {
  type: FieldType;
  /** Must be present (not undefined) on create. */
  required?: boolean;
  /** No two rows may share a non-null value. Violations throw UniqueConstraintError. */
  unique?: boolean;
  /** A lookup index (MongoDB creates it; memory ignores it). */
  index?: boolean;
  /** Value used on create when the field is absent. */
  defaultValue?: Value;
  /** Foreign key, documentation and cascade hint only. */
  references?: { model: string; field: string };
  /** false: never part of any response body (secrets, hashes, counters). Default true. */
  returned?: boolean;
  /** true: sign-up copies it from the request body (after plugin before-hooks validated it). Default false. */
  input?: boolean;
}

export interface ModelDef {
  fields: Record<string, FieldDef>;
  /** A date field after which a row is dead. Reads must still check it; TTL sweeping is only housekeeping. */
  expiresAtField?: string;
}

/** Model name -> definition. Built by the core from its own models and every plugin's. */
export type Schema = Record<string, ModelDef>;

/** Thrown by create/update when a unique field would be duplicated. */
export class UniqueConstraintError extends Error {
  readonly model: string;
  readonly field: string;
  constructor(model: string, field: string) {
    super(`unique constraint violated: ${model}.${field}`);
    this.name = "UniqueConstraintError";
    this.model = model;
    this.field = field;
  }
}

/**
 * The store could not be reached or did not answer in time (server selection failed, the connection
 * dropped, the operation's time limit passed). Whether the operation was applied is unknown. The core
 * answers such a request with 503 SERVICE_UNAVAILABLE instead of a 500. `cause` is the driver's error.
 */
export class StoreUnavailableError extends Error {
  readonly model: string;
  constructor(model: string, cause: unknown) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`store unavailable (${model}): ${reason}`, { cause });
    this.name = "StoreUnavailableError";
    this.model = model;
  }
}

export interface Store {
  /** Insert a row. `id` is required (the core generates ids). Throws UniqueConstraintError. */
  create<T extends Row = Row>(model: string, data: T): Promise<T>;
  findOne<T extends Row = Row>(model: string, where: readonly Where[]): Promise<T | null>;
  findMany<T extends Row = Row>(model: string, where: readonly Where[], options?: FindManyOptions): Promise<T[]>;
  count(model: string, where: readonly Where[]): Promise<number>;
  /**
   * Atomic conditional update of ONE row: the first row matching every condition gets `data` applied,
   * and the updated row is returned; null when no row matched. The conditions are the guard: among any
   * number of concurrent calls with the same guard, only those that still match win.
   */
  update<T extends Row = Row>(model: string, where: readonly Where[], data: Partial<T>): Promise<T | null>;
  /**
   * Atomic counter: add `by` to the numeric `field` of ONE row matching `where` (a missing field counts
   * as 0), also applying `set`, and return the row after the change; null when no row matched.
   */
  increment<T extends Row = Row>(
    model: string,
    where: readonly Where[],
    field: string,
    by: number,
    set?: Record<string, Value>,
  ): Promise<T | null>;
  /**
   * The first row matching `where` together with the row of `join.model` whose id equals the row's
   * `join.field` (`joined` null when there is none), in ONE round trip (MongoDB: one aggregate with
   * $lookup). Null when no row matches. For reads that always need both (a session and its user).
   */
  findOneJoined<T extends Row = Row, J extends Row = Row>(
    model: string,
    where: readonly Where[],
    join: { model: string; field: string },
  ): Promise<{ row: T; joined: J | null } | null>;
  /**
   * Insert several rows in ONE operation (MongoDB: one ordered insertMany). Each row is checked as
   * `create` checks it, all before anything is written. Throws UniqueConstraintError on a duplicate;
   * rows before the duplicate may have been stored (as with a lost reply), so callers register their
   * undo by the ids they generated before calling.
   */
  createMany<T extends Row = Row>(model: string, rows: readonly T[]): Promise<T[]>;
  /**
   * Atomic create-or-update of ONE row, the "update, else create, retry on duplicate" loop as one
   * operation. `where` must contain an equality on `id` or on a unique field: the row's key.
   * - A row with that key matches every condition: `set` and `increment` are applied (a missing
   *   numeric field counts as 0) and the row after the change is returned.
   * - No row has that key: one is created from `create`, the equality conditions of `where`, `set`,
   *   and each `increment` field set to its amount; it is returned.
   * - A row has that key but fails another condition (the guard): nothing changes, null is returned.
   * Among concurrent calls with the same key exactly one creates; the others update the created row
   * (or get null when their guard no longer holds).
   */
  upsert<T extends Row = Row>(model: string, where: readonly Where[], change: UpsertChange): Promise<T | null>;
  /** Atomically remove ONE matching row and return it (null when none): "consume". One winner per row. */
  deleteOne<T extends Row = Row>(model: string, where: readonly Where[]): Promise<T | null>;
  /** Remove every matching row; returns how many. */
  deleteMany(model: string, where: readonly Where[]): Promise<number>;
}

/** What `upsert` writes: `create` only on insert, `set` and `increment` on either path. */
export interface UpsertChange {
  /** Fields of a newly created row (must include `id` unless `where` has an equality on `id`). */
  create: Record<string, Value>;
  set?: Record<string, Value>;
  increment?: Record<string, number>;
}

/** What the core tells an adapter when it binds it. */
export interface BindEnv {
  /** The auth instance's clock in unix ms (`advanced.now`); adapters that sweep expired rows use it. */
  now?: () => number;
}

/** What `database:` takes: an adapter that binds to the schema the core and plugins declare. */
export interface Adapter {
  readonly name: string;
  bind(schema: Schema, env?: BindEnv): Store;
  /** Create collections/indexes for the schema (`kernia generate`). Idempotent. */
  generate?(schema: Schema, options?: GenerateOptions): Promise<void>;
}

export interface GenerateOptions {
  /** Print the plan; write nothing. */
  dryRun?: boolean;
  /** With dryRun: do not contact the database at all; print the plan for an empty database. */
  offline?: boolean;
  log?: (line: string) => void;
}
