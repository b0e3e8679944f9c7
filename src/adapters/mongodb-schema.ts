/**
 * What `kernia generate` wants to exist in MongoDB for a schema: one collection per model with a
 * $jsonSchema validator, and its indexes. Pure: the adapter compares this plan with the server, and
 * the command-capture tests check every filter the adapter sends against it (`servingIndex`).
 * Internal: not exported from the package.
 *
 * The planner rules the plan is built for (MongoDB manual, "Indexes"):
 * - an index can serve a filter when the filter constrains the index's leading key field, here with an
 *   equality, `$in` or a range (manual, "Compound Indexes > Index Prefixes");
 * - a partial index is used only when the query's predicate implies its partialFilterExpression: "To use
 *   the partial index, a query must contain the filter expression (or a modified filter expression that
 *   specifies a subset of the filter expression) as part of its query condition" (manual, "Partial
 *   Indexes > Query Coverage"). `{token: {$eq: "x"}}` does NOT imply `{token: {$type: "string"}}` to the
 *   planner, so a partial index on a field is only any use when the query repeats the `$type` condition.
 */
import type { Document } from "mongodb";
import type { FieldDef, FieldType, ModelDef } from "./types.js";
import { fieldToMongo } from "./mongodb-mapping.js";

/** $jsonSchema bsonType per field type ("number" is the alias for int, long, double and decimal). */
const BSON_TYPE: Record<FieldType, string> = { string: "string", number: "number", boolean: "bool", date: "date" };
/** $type query aliases for the same types, used in partial index filters and in the queries that must imply them. */
const QUERY_TYPE: Record<FieldType, string> = { string: "string", number: "number", boolean: "bool", date: "date" };

/** Field names that get a lookup index even when the schema does not mark them (every lookup by owner or key uses them). */
const LOOKUP_FIELDS = ["userId", "identifier"];

/**
 * The collection validator. Declared fields must have their type or be null; required fields must be
 * present; undeclared fields are allowed (plugins may add fields before a re-run of generate).
 * Applied with validationLevel "moderate", so documents that were already invalid can still be updated.
 */
export function validatorFor(def: ModelDef): Document {
  const properties: Document = { _id: { bsonType: "string" } };
  const required = ["_id"];
  for (const [name, f] of Object.entries(def.fields)) {
    if (name === "id") continue;
    properties[fieldToMongo(name)] = { bsonType: [BSON_TYPE[f.type], "null"] };
    if (f.required) required.push(fieldToMongo(name));
  }
  return { $jsonSchema: { bsonType: "object", required, properties } };
}

export interface IndexPlan {
  name: string;
  key: Document;
  unique?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
  /** One line for the log: what the index is for. */
  describe: string;
}

/** A unique field whose rows may lack a value: its index must leave null and missing values out. */
export function isOptionalUnique(f: FieldDef): boolean {
  return f.unique === true && f.required !== true;
}

/**
 * Optional unique fields and the `$type` alias their partial index filters on. The adapter adds that
 * same `$type` condition to every non-null equality or `$in` it sends on such a field, so the query
 * literally contains the index's filter expression and the planner may use the index.
 */
export function partialTypes(def: ModelDef): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, f] of Object.entries(def.fields)) {
    if (name !== "id" && isOptionalUnique(f)) out.set(name, QUERY_TYPE[f.type]);
  }
  return out;
}

/**
 * The indexes of one model, chosen per field:
 * - a required unique field (user.email, session.token, twoFactor.userId, ...): a plain unique index.
 *   Every row holds a value (the store refuses null there, see rows.ts), so no partial filter is needed
 *   and every equality on the field can use the index as it is;
 * - an optional unique field (username, phoneNumber): a unique index with partialFilterExpression
 *   `{f: {$type: T}}`, so rows without a value never collide (a sparse index would still index explicit
 *   nulls), and the adapter's equalities on it carry the same `$type` (see partialTypes);
 * - the expiry field: a TTL index with expireAfterSeconds 0 (a row is swept once its own date passes;
 *   reads still check the date, since the TTL monitor runs about once a minute);
 * - `index` fields and userId/identifier: plain single-field lookup indexes. Every hot query of the core
 *   and plugins starts with an equality on one of these (or on id/a unique field), and the few rows a
 *   user owns (accounts, backup codes, devices) are filtered after the index lookup, so no compound
 *   index is needed.
 */
export function indexesFor(def: ModelDef): IndexPlan[] {
  const out: IndexPlan[] = [];
  const covered = new Set<string>(["id"]);
  for (const [name, f] of Object.entries(def.fields)) {
    if (!f.unique || name === "id") continue;
    const field = fieldToMongo(name);
    out.push({
      name: `kernia_${field}_unique`,
      key: { [field]: 1 },
      unique: true,
      ...(isOptionalUnique(f) && { partialFilterExpression: { [field]: { $type: QUERY_TYPE[f.type] } } }),
      describe: isOptionalUnique(f) ? `unique ${field} where set` : `unique ${field}`,
    });
    covered.add(name);
  }
  const ttl = def.expiresAtField;
  if (ttl !== undefined && !covered.has(ttl)) {
    out.push({ name: `kernia_${ttl}_ttl`, key: { [ttl]: 1 }, expireAfterSeconds: 0, describe: `TTL ${ttl}` });
    covered.add(ttl);
  }
  for (const [name, f] of Object.entries(def.fields)) {
    if (covered.has(name) || !(f.index === true || LOOKUP_FIELDS.includes(name))) continue;
    out.push({ name: `kernia_${name}`, key: { [name]: 1 }, describe: `lookup ${name}` });
    covered.add(name);
  }
  return out;
}

/** The conjuncts of a filter as [field, condition] pairs (top-level fields and the members of a top-level $and). */
function conjuncts(filter: Document): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$and" && Array.isArray(v)) for (const part of v) out.push(...conjuncts(part as Document));
    else out.push([k, v]);
  }
  return out;
}

const SARGABLE = ["$eq", "$in", "$lt", "$lte", "$gt", "$gte"];

function operatorsOf(cond: unknown): Document {
  // A bare value is an implicit $eq.
  if (typeof cond !== "object" || cond === null || cond instanceof Date || Array.isArray(cond)) return { $eq: cond };
  const keys = Object.keys(cond);
  if (keys.length > 0 && keys.every((k) => k.startsWith("$"))) return cond as Document;
  return { $eq: cond };
}

/**
 * The name of the index (of `plans`, or `_id_`) that can serve `filter` by the rules in the module
 * comment, or null when the planner would have to scan the collection.
 */
export function servingIndex(filter: Document, plans: readonly IndexPlan[]): string | null {
  const parts = conjuncts(filter).map(([f, c]) => [f, operatorsOf(c)] as const);
  const constrains = (field: string) => parts.some(([f, ops]) => f === field && SARGABLE.some((op) => op in ops));
  if (constrains("_id")) return "_id_";
  for (const plan of plans) {
    const leading = Object.keys(plan.key)[0];
    if (!constrains(leading)) continue;
    const partial = plan.partialFilterExpression;
    if (partial !== undefined) {
      const implied = conjuncts(partial).every(([field, cond]) => {
        const want = operatorsOf(cond);
        return parts.some(
          ([f, ops]) => f === field && Object.entries(want).every(([op, v]) => op in ops && canonical(ops[op]) === canonical(v)),
        );
      });
      if (!implied) continue;
    }
    return plan.name;
  }
  return null;
}

/** Key patterns compared field by field and in order (index keys are ordered). */
export function sameKey(a: Document, b: Document): boolean {
  const ka = Object.entries(a);
  const kb = Object.entries(b);
  return ka.length === kb.length && ka.every(([k, v], i) => kb[i][0] === k && Number(kb[i][1]) === Number(v));
}

/**
 * How an index found on the server differs from the plan for the same key, one phrase per option
 * (empty: it does the job). Collation: a non-simple collation makes equality case- or
 * accent-insensitive, so a unique email index with one would merge distinct addresses and equality
 * queries without the same collation could not use it. Sparse: skips missing fields but still indexes
 * explicit nulls, and a sparse index is not used for queries that could match missing fields.
 */
export function indexDifferences(found: Document, plan: IndexPlan): { ttl: boolean; other: string[] } {
  const other: string[] = [];
  if ((found.unique === true) !== (plan.unique === true))
    other.push(plan.unique ? "is not unique" : "is unique where the schema wants a plain lookup index");
  const foundPartial = found.partialFilterExpression as Document | undefined;
  if (canonical(foundPartial ?? null) !== canonical(plan.partialFilterExpression ?? null)) {
    other.push(
      foundPartial === undefined
        ? `has no partial filter (wanted ${JSON.stringify(plan.partialFilterExpression)})`
        : plan.partialFilterExpression === undefined
          ? `has partial filter ${JSON.stringify(foundPartial)}, which equality queries do not imply (wanted none)`
          : `has partial filter ${JSON.stringify(foundPartial)} instead of ${JSON.stringify(plan.partialFilterExpression)}`,
    );
  }
  const collation = found.collation as Document | undefined;
  if (collation !== undefined && collation.locale !== "simple")
    other.push(`has collation ${JSON.stringify(collation)} (wanted the simple binary comparison)`);
  if (found.sparse === true) other.push("is sparse");
  if (found.expireAfterSeconds !== undefined && plan.expireAfterSeconds === undefined)
    other.push(`is a TTL index (expireAfterSeconds ${String(found.expireAfterSeconds)}) that would delete rows`);
  const ttl = plan.expireAfterSeconds !== undefined && Number(found.expireAfterSeconds) !== plan.expireAfterSeconds;
  return { ttl, other };
}

/** Order-insensitive, type-aware serialisation, to tell whether a stored validator differs from ours. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v instanceof Date) return `D${v.getTime()}`;
  if (typeof v === "object" && v !== null) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "undefined";
}
