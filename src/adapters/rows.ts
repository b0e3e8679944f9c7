/**
 * Boundary checks and value helpers shared by every adapter, so the memory and MongoDB adapters
 * reject the same programming errors with the same messages and compare values the same way.
 * Internal: not exported from the package.
 */
import type { FieldDef, ModelDef, Operator, Row, Schema, UpsertChange, Value, Where } from "./types.js";

const OPERATORS: ReadonlySet<string> = new Set<Operator>(["eq", "ne", "lt", "lte", "gt", "gte", "in"]);

/** The model's definition; an unknown model name is a programming error. */
export function modelOf(schema: Schema, model: string): ModelDef {
  const def = Object.hasOwn(schema, model) ? schema[model] : undefined;
  if (def === undefined) throw new Error(`kernia store: unknown model "${model}"`);
  return def;
}

function isValue(v: unknown): v is Value {
  return (
    v === null ||
    typeof v === "string" ||
    typeof v === "boolean" ||
    (typeof v === "number" && Number.isFinite(v)) ||
    (v instanceof Date && !Number.isNaN(v.getTime()))
  );
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : "Date";
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return Array.isArray(v) ? "array" : typeof v;
}

function matchesType(def: FieldDef, v: Value): boolean {
  if (v === null) return true;
  switch (def.type) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    case "date":
      return v instanceof Date;
  }
}

/**
 * Checks one value written to `model.field`: a storable Value, of the declared type when the field is
 * declared. Fields the schema does not declare are stored as given (plugins may carry extras).
 */
export function checkValue(model: string, def: ModelDef, field: string, v: unknown): asserts v is Value {
  if (!isValue(v))
    throw new TypeError(
      `kernia store: ${model}.${field}: expected a string, finite number, boolean, valid Date or null, got ${describe(v)}`,
    );
  const f = def.fields[field];
  if (f !== undefined && !matchesType(f, v)) {
    throw new TypeError(`kernia store: ${model}.${field}: expected ${f.type} or null, got ${describe(v)}`);
  }
}

/**
 * The row `create` stores: undefined entries dropped, defaults applied, types and required fields
 * checked. A missing required field is a bug in the caller, so it is a plain Error naming it.
 */
export function prepareCreate(model: string, def: ModelDef, data: Record<string, unknown>): Row {
  if (data === null || typeof data !== "object") throw new TypeError(`kernia store: ${model}: create expects an object`);
  if (typeof data.id !== "string" || data.id === "") throw new Error(`kernia store: ${model}: create requires a non-empty string id`);
  const row: Record<string, Value> = {};
  for (const [field, v] of Object.entries(data)) {
    if (v === undefined) continue;
    checkValue(model, def, field, v);
    row[field] = copyValue(v);
  }
  for (const [field, f] of Object.entries(def.fields)) {
    if (row[field] === undefined && f.defaultValue !== undefined) row[field] = copyValue(f.defaultValue);
    if (f.required && row[field] === undefined) throw new Error(`kernia store: ${model}.${field} is required`);
    if (f.required && f.unique && row[field] === null) throw new Error(requiredUniqueNull(model, field));
  }
  return row as Row;
}

/** The changes `update`/`increment`/`upsert` apply: undefined entries dropped, types checked, id immutable. */
export function prepareChanges(model: string, def: ModelDef, data: Record<string, unknown> | undefined): Record<string, Value> {
  const out: Record<string, Value> = {};
  if (data === undefined) return out;
  if (data === null || typeof data !== "object") throw new TypeError(`kernia store: ${model}: update data must be an object`);
  for (const [field, v] of Object.entries(data)) {
    if (v === undefined) continue;
    if (field === "id") throw new Error(`kernia store: ${model}: id cannot be changed`);
    checkValue(model, def, field, v);
    const f = def.fields[field];
    if (v === null && f?.required && f.unique) throw new Error(requiredUniqueNull(model, field));
    out[field] = copyValue(v);
  }
  return out;
}

/**
 * A required unique field always holds a value: MongoDB's index on it is a plain unique index (no
 * partial filter, so every equality query can use it), under which two nulls would collide.
 */
function requiredUniqueNull(model: string, field: string): string {
  return `kernia store: ${model}.${field} is required and unique, so it cannot be null`;
}

/** Checks the field and amount of `increment`. */
export function checkIncrement(model: string, def: ModelDef, field: string, by: number, set: Record<string, Value>): void {
  if (field === "id") throw new Error(`kernia store: ${model}: id cannot be incremented`);
  if (typeof by !== "number" || !Number.isFinite(by))
    throw new TypeError(`kernia store: ${model}.${field}: increment amount must be a finite number`);
  const f = def.fields[field];
  if (f !== undefined && f.type !== "number") throw new TypeError(`kernia store: ${model}.${field} is ${f.type}, not number`);
  if (Object.hasOwn(set, field)) throw new Error(`kernia store: ${model}.${field}: cannot both increment and set`);
}

/** The checked arguments of `increment`: the where list, the `set` changes, the field and amount. */
export function prepareIncrement(
  model: string,
  def: ModelDef,
  where: readonly Where[],
  field: string,
  by: number,
  set: Record<string, Value> | undefined,
): Record<string, Value> {
  checkWhere(model, where);
  const changes = prepareChanges(model, def, set);
  checkIncrement(model, def, field, by, changes);
  return changes;
}

/** The checked arguments of `upsert`: its key (the equality naming the row), the `set` changes, the increments. */
export function prepareUpsert(
  model: string,
  def: ModelDef,
  where: readonly Where[],
  change: UpsertChange,
): { key: Where; set: Record<string, Value>; increment: Record<string, number> } {
  checkWhere(model, where);
  const key = upsertKey(model, def, where);
  const set = prepareChanges(model, def, change.set);
  const increment = change.increment ?? {};
  for (const [field, by] of Object.entries(increment)) checkIncrement(model, def, field, by, set);
  return { key, set, increment };
}

/** The condition of an upsert that names its row: an equality on id or on a unique field. */
function upsertKey(model: string, def: ModelDef, where: readonly Where[]): Where {
  const unique = new Set(uniqueFields(def));
  const key = where.find((w) => (w.operator ?? "eq") === "eq" && w.value !== null && (w.field === "id" || unique.has(w.field)));
  if (key === undefined) throw new Error(`kernia store: ${model}: upsert needs an equality on id or a unique field`);
  return key;
}

/** The plain equalities of a where list, as field values (what an upsert's inserted row takes from its filter). */
export function equalities(where: readonly Where[]): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const w of where) if ((w.operator ?? "eq") === "eq" && w.value !== null) out[w.field] = w.value as Value;
  return out;
}

/** Validates a where list once at the boundary so the adapters can trust it. */
export function checkWhere(model: string, where: readonly Where[]): void {
  if (!Array.isArray(where)) throw new TypeError(`kernia store: ${model}: where must be an array`);
  for (const w of where) {
    if (w === null || typeof w !== "object" || typeof w.field !== "string" || w.field === "") {
      throw new TypeError(`kernia store: ${model}: each condition needs a field name`);
    }
    const op = w.operator ?? "eq";
    if (!OPERATORS.has(op)) throw new TypeError(`kernia store: ${model}.${w.field}: unknown operator "${String(op)}"`);
    if (op === "in") {
      if (!Array.isArray(w.value))
        throw new TypeError(`kernia store: ${model}.${w.field}: "in" expects an array, got ${describe(w.value)}`);
      for (const v of w.value) if (!isValue(v)) throw new TypeError(`kernia store: ${model}.${w.field}: bad "in" element ${describe(v)}`);
    } else if (!isValue(w.value)) {
      throw new TypeError(`kernia store: ${model}.${w.field}: bad value ${describe(w.value)} for "${op}"`);
    }
  }
}

export function checkFindOptions(
  model: string,
  options: { limit?: number; sortBy?: { field: string; direction: string } } | undefined,
): void {
  if (options === undefined) return;
  const { limit, sortBy } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RangeError(`kernia store: ${model}: limit must be a non-negative integer, got ${String(limit)}`);
  }
  if (sortBy !== undefined && (typeof sortBy.field !== "string" || (sortBy.direction !== "asc" && sortBy.direction !== "desc"))) {
    throw new TypeError(`kernia store: ${model}: sortBy needs a field and direction "asc" or "desc"`);
  }
}

/** Dates are mutable objects: copy them so callers never share one with the store. */
export function copyValue(v: Value): Value {
  return v instanceof Date ? new Date(v.getTime()) : v;
}

export function copyRow<T extends Row>(row: Row): T {
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(row)) out[k] = copyValue(v);
  return out as T;
}

/** Unique fields of a model (never includes id, which every adapter keys on anyway). */
export function uniqueFields(def: ModelDef): string[] {
  return Object.entries(def.fields)
    .filter(([name, f]) => f.unique === true && name !== "id")
    .map(([name]) => name);
}
