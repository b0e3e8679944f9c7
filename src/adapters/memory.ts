/**
 * In-process store: the embedded default. Correct for ONE Node process only (its state is not shared,
 * and is lost on exit); production deployments with several processes use the MongoDB adapter.
 *
 * Atomicity: every operation does all of its reading and writing synchronously before its first
 * `await` (there is none), so on Node's single thread no other operation can interleave. That is what
 * makes `update` a guard, `increment` an exact counter and `deleteOne` a single-use consume.
 *
 * Rows are copied in and out, Dates included, so a caller mutating a returned object never changes
 * the store. Query semantics follow MongoDB's (see compare.ts) so both adapters answer alike.
 *
 * Expired rows: every model with an `expiresAtField` is swept incrementally. Each operation on such a
 * table first looks at the next few rows of a cursor that cycles through the table and removes those
 * whose expiry has passed, so the table holds live rows plus at most one cycle's worth of dead ones,
 * with no pause to walk a whole table. Reads still check expiry themselves (the port's rule). The clock
 * is the one init() passes to bind (`advanced.now`); a store bound without one does not sweep.
 */
import { compareValues, matchesAll } from "./compare.js";
import {
  checkFindOptions,
  checkWhere,
  copyRow,
  equalities,
  modelOf,
  prepareChanges,
  prepareCreate,
  prepareIncrement,
  prepareUpsert,
  uniqueFields,
} from "./rows.js";
import {
  UniqueConstraintError,
  type Adapter,
  type BindEnv,
  type FindManyOptions,
  type ModelDef,
  type Row,
  type Schema,
  type Store,
  type UpsertChange,
  type Value,
  type Where,
} from "./types.js";

/** Index key for a non-null value; typed so that "1" and 1 stay distinct. */
function keyOf(v: Value): string {
  if (typeof v === "string") return "s" + v;
  if (typeof v === "number") return "n" + String(v); // String(-0) === "0", as MongoDB treats -0 == 0
  if (typeof v === "boolean") return v ? "b1" : "b0";
  return "d" + String((v as Date).getTime());
}

/**
 * One model's rows plus hash indexes: unique fields map a value to the one row holding it (so
 * uniqueness checks and lookups by token/email are O(1)); `index` fields map a value to the set of
 * row ids. Both only hold non-null values.
 */
class Table {
  readonly rows = new Map<string, Row>();
  private readonly unique = new Map<string, Map<string, string>>();
  private readonly lookup = new Map<string, Map<string, Set<string>>>();

  /** Sweep cursor: a Map iterator visits rows added after it was made and skips removed ones. */
  private sweepCursor: Iterator<Row> | undefined;

  constructor(
    readonly name: string,
    readonly def: ModelDef,
  ) {
    for (const f of uniqueFields(def)) this.unique.set(f, new Map());
    for (const [f, d] of Object.entries(def.fields)) {
      if (d.index === true && d.unique !== true && f !== "id") this.lookup.set(f, new Map());
    }
  }

  /** Rows that can match `where`, narrowed by the first indexed equality; callers still filter. */
  candidates(where: readonly Where[]): Iterable<Row> {
    for (const w of where) {
      if ((w.operator ?? "eq") !== "eq" || w.value === null) continue;
      const v = w.value as Value;
      if (w.field === "id") {
        const row = typeof v === "string" ? this.rows.get(v) : undefined;
        return row === undefined ? [] : [row];
      }
      const u = this.unique.get(w.field);
      if (u !== undefined) {
        const id = u.get(keyOf(v));
        const row = id === undefined ? undefined : this.rows.get(id);
        return row === undefined ? [] : [row];
      }
      const l = this.lookup.get(w.field);
      if (l !== undefined) {
        const ids = l.get(keyOf(v));
        if (ids === undefined) return [];
        return [...ids].map((id) => this.rows.get(id) as Row);
      }
    }
    return this.rows.values();
  }

  first(where: readonly Where[]): Row | undefined {
    for (const row of this.candidates(where)) if (matchesAll(row, where)) return row;
    return undefined;
  }

  all(where: readonly Where[]): Row[] {
    const out: Row[] = [];
    for (const row of this.candidates(where)) if (matchesAll(row, where)) out.push(row);
    return out;
  }

  /**
   * Throws UniqueConstraintError if giving `rows` the `changes` would make two rows share a non-null
   * unique value. Checked in full before anything is written, so a violation changes nothing.
   */
  checkUnique(rows: readonly Row[], changes: Record<string, Value>): void {
    const changing = new Set(rows.map((r) => r.id));
    for (const [field, index] of this.unique) {
      const v = changes[field];
      if (v === undefined || v === null) continue;
      if (rows.length > 1) throw new UniqueConstraintError(this.name, field);
      const holder = index.get(keyOf(v));
      if (holder !== undefined && !changing.has(holder)) throw new UniqueConstraintError(this.name, field);
    }
  }

  insert(row: Row): void {
    if (this.rows.has(row.id)) throw new UniqueConstraintError(this.name, "id");
    this.checkUnique([], row);
    this.rows.set(row.id, row);
    this.indexRow(row, true);
  }

  /** Applies `changes` to a stored row in place (the row object is private to the store). */
  apply(row: Row, changes: Record<string, Value>): void {
    this.indexRow(row, false);
    Object.assign(row, changes);
    this.indexRow(row, true);
  }

  remove(row: Row): void {
    this.indexRow(row, false);
    this.rows.delete(row.id);
  }

  /**
   * Looks at up to `budget` rows after the cursor and removes the expired ones. Called with a budget
   * of SWEEP_PER_OPERATION on every operation, which is more rows than any operation inserts, so the
   * cursor laps the table faster than it grows and no expired row outlives one lap.
   */
  sweep(now: number, budget: number): void {
    const field = this.def.expiresAtField;
    if (field === undefined || this.rows.size === 0) return;
    for (let i = 0; i < budget; i++) {
      this.sweepCursor ??= this.rows.values();
      const next = this.sweepCursor.next();
      if (next.done === true) {
        this.sweepCursor = undefined;
        if (i > 0 || this.rows.size === 0) return; // one lap per call at most
        continue;
      }
      const at = next.value[field];
      if (at instanceof Date && at.getTime() <= now) this.remove(next.value);
    }
  }

  private indexRow(row: Row, add: boolean): void {
    for (const [field, index] of this.unique) {
      const v = row[field];
      if (v === undefined || v === null) continue;
      if (add) index.set(keyOf(v), row.id);
      else index.delete(keyOf(v));
    }
    for (const [field, index] of this.lookup) {
      const v = row[field];
      if (v === undefined || v === null) continue;
      const key = keyOf(v);
      let ids = index.get(key);
      if (add) {
        if (ids === undefined) index.set(key, (ids = new Set()));
        ids.add(row.id);
      } else if (ids !== undefined) {
        ids.delete(row.id);
        if (ids.size === 0) index.delete(key);
      }
    }
  }
}

function sortRows(rows: Row[], sortBy: NonNullable<FindManyOptions["sortBy"]>): void {
  const dir = sortBy.direction === "desc" ? -1 : 1;
  // Array.prototype.sort is stable, so ties keep insertion order.
  rows.sort((a, b) => dir * compareValues(a[sortBy.field], b[sortBy.field]));
}

/** Rows of an expiring table examined per operation (see Table.sweep). */
const SWEEP_PER_OPERATION = 4;

function bindMemory(schema: Schema, env: BindEnv = {}): Store {
  // Sweeping needs the auth instance's clock (tests and apps may run it apart from the wall clock);
  // without one (a store bound outside init()) nothing is swept.
  const now = env.now;
  const tables = new Map<string, Table>();
  const table = (model: string): Table => {
    let t = tables.get(model);
    if (t === undefined) tables.set(model, (t = new Table(model, modelOf(schema, model))));
    if (now !== undefined) t.sweep(now(), SWEEP_PER_OPERATION);
    return t;
  };

  const store: Store = {
    async create<T extends Row = Row>(model: string, data: T): Promise<T> {
      const t = table(model);
      const row = prepareCreate(model, t.def, data);
      t.insert(row);
      return copyRow<T>(row);
    },

    async findOne<T extends Row = Row>(model: string, where: readonly Where[]): Promise<T | null> {
      const t = table(model);
      checkWhere(model, where);
      const row = t.first(where);
      return row === undefined ? null : copyRow<T>(row);
    },

    async findMany<T extends Row = Row>(model: string, where: readonly Where[], options?: FindManyOptions): Promise<T[]> {
      const t = table(model);
      checkWhere(model, where);
      checkFindOptions(model, options);
      const rows = t.all(where);
      if (options?.sortBy !== undefined) sortRows(rows, options.sortBy);
      const limited = options?.limit !== undefined ? rows.slice(0, options.limit) : rows;
      return limited.map((r) => copyRow<T>(r));
    },

    async count(model: string, where: readonly Where[]): Promise<number> {
      const t = table(model);
      checkWhere(model, where);
      return t.all(where).length;
    },

    async update<T extends Row = Row>(model: string, where: readonly Where[], data: Partial<T>): Promise<T | null> {
      const t = table(model);
      checkWhere(model, where);
      const changes = prepareChanges(model, t.def, data as Record<string, unknown>);
      const row = t.first(where);
      if (row === undefined) return null;
      t.checkUnique([row], changes);
      t.apply(row, changes);
      return copyRow<T>(row);
    },

    async increment<T extends Row = Row>(
      model: string,
      where: readonly Where[],
      field: string,
      by: number,
      set?: Record<string, Value>,
    ): Promise<T | null> {
      const t = table(model);
      const changes = prepareIncrement(model, t.def, where, field, by, set);
      const row = t.first(where);
      if (row === undefined) return null;
      const current = row[field];
      if (current !== undefined && current !== null && typeof current !== "number") {
        // MongoDB's $inc refuses non-numeric fields too; a null field would also fail there.
        throw new TypeError(`kernia store: ${model}.${field} holds a ${typeof current}, cannot increment`);
      }
      if (current === null) throw new TypeError(`kernia store: ${model}.${field} is null, cannot increment`);
      const next = { ...changes, [field]: (current ?? 0) + by };
      t.checkUnique([row], next);
      t.apply(row, next);
      return copyRow<T>(row);
    },

    async findOneJoined<T extends Row = Row, J extends Row = Row>(
      model: string,
      where: readonly Where[],
      join: { model: string; field: string },
    ): Promise<{ row: T; joined: J | null } | null> {
      const t = table(model);
      checkWhere(model, where);
      const other = table(join.model);
      const row = t.first(where);
      if (row === undefined) return null;
      const ref = row[join.field];
      const joined = typeof ref === "string" ? other.rows.get(ref) : undefined;
      return { row: copyRow<T>(row), joined: joined === undefined ? null : copyRow<J>(joined) };
    },

    async createMany<T extends Row = Row>(model: string, data: readonly T[]): Promise<T[]> {
      const t = table(model);
      if (!Array.isArray(data)) throw new TypeError(`kernia store: ${model}: createMany expects an array`);
      const rows = data.map((d) => prepareCreate(model, t.def, d));
      // Checked in full first (ids and unique values, also among the new rows), so a duplicate writes nothing.
      const probe = new Table(model, t.def);
      for (const row of rows) {
        if (t.rows.has(row.id)) throw new UniqueConstraintError(model, "id");
        t.checkUnique([], row);
        probe.insert(row);
      }
      for (const row of rows) t.insert(row);
      return rows.map((r) => copyRow<T>(r));
    },

    async upsert<T extends Row = Row>(model: string, where: readonly Where[], change: UpsertChange): Promise<T | null> {
      const t = table(model);
      const { key, set, increment } = prepareUpsert(model, t.def, where, change);
      const holder = t.first([key]);
      if (holder === undefined) {
        const row = prepareCreate(model, t.def, { ...change.create, ...equalities(where), ...set, ...increment });
        t.insert(row);
        return copyRow<T>(row);
      }
      if (!matchesAll(holder, where)) return null;
      const next: Record<string, Value> = { ...set };
      for (const [field, by] of Object.entries(increment)) {
        const current = holder[field];
        if (current !== undefined && current !== null && typeof current !== "number") {
          throw new TypeError(`kernia store: ${model}.${field} holds a ${typeof current}, cannot increment`);
        }
        next[field] = (current ?? 0) + by;
      }
      t.checkUnique([holder], next);
      t.apply(holder, next);
      return copyRow<T>(holder);
    },

    async deleteOne<T extends Row = Row>(model: string, where: readonly Where[]): Promise<T | null> {
      const t = table(model);
      checkWhere(model, where);
      const row = t.first(where);
      if (row === undefined) return null;
      t.remove(row);
      return copyRow<T>(row);
    },

    async deleteMany(model: string, where: readonly Where[]): Promise<number> {
      const t = table(model);
      checkWhere(model, where);
      const rows = t.all(where);
      for (const row of rows) t.remove(row);
      return rows.length;
    },
  };
  return store;
}

/** The in-memory adapter. Each `bind` gets its own empty data set. */
export function memoryAdapter(): Adapter {
  return { name: "memory", bind: bindMemory };
}
