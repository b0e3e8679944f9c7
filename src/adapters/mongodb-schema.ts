/**
 * What `kernia generate` wants to exist in MongoDB for a schema: one collection per model with a
 * $jsonSchema validator, and its indexes. Pure: the adapter compares this plan with the server.
 * Internal: not exported from the package.
 */
import type { Document } from "mongodb";
import type { FieldType, ModelDef } from "./types.js";
import { fieldToMongo } from "./mongodb-mapping.js";

/** $jsonSchema bsonType per field type ("number" is the alias for int, long, double and decimal). */
const BSON_TYPE: Record<FieldType, string> = { string: "string", number: "number", boolean: "bool", date: "date" };
/** $type query aliases for the same types, used in partial index filters. */
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

/**
 * The indexes of one model:
 * - unique fields: a unique index whose partial filter keeps null and missing values out, so they never
 *   collide (the port's rule), while every real value is unique;
 * - the expiry field: a TTL index with expireAfterSeconds 0 (a row is swept once its own date passes;
 *   reads still check the date, since the sweeper runs about once a minute);
 * - `index` fields and userId/identifier: plain lookup indexes, unless one of the above already covers them.
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
      partialFilterExpression: { [field]: { $type: QUERY_TYPE[f.type] } },
      describe: `unique ${field}`,
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

/** Key patterns compared field by field and in order (index keys are ordered). */
export function sameKey(a: Document, b: Document): boolean {
  const ka = Object.entries(a);
  const kb = Object.entries(b);
  return ka.length === kb.length && ka.every(([k, v], i) => kb[i][0] === k && Number(kb[i][1]) === Number(v));
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
