/**
 * Pure translation between the Store port and MongoDB documents, filters and errors. No driver import:
 * these functions work with documents and errors from driver 6 or 7 alike (and are tested with both),
 * which is what lets the adapter keep `mongodb` as a peer dependency of either major.
 * Internal: not exported from the package.
 *
 * Ids: Kernia ids are strings (32 characters from the core). They are stored as `_id` strings as
 * they are, never converted to ObjectId, so `id` round-trips byte for byte; a 24-hex id is a string
 * too. An `_id` that is an ObjectId (a document written by something else) is read back as its
 * 24-hex string. Dates are stored as BSON dates (the driver maps JS Date both ways).
 */
import type { Document } from "mongodb";
import { UniqueConstraintError, type FindManyOptions, type Row, type Value, type Where } from "./types.js";

/** Store field name -> document field name: only `id` differs. */
export function fieldToMongo(field: string): string {
  return field === "id" ? "_id" : field;
}

function fieldFromMongo(field: string): string {
  return field === "_id" ? "id" : field;
}

/** bson's wrapper classes all carry `_bsontype` (bson 6 and 7); checking it avoids importing bson. */
function bsonType(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const t = (v as { _bsontype?: unknown })._bsontype;
  return typeof t === "string" ? t : undefined;
}

/** `_id` as the store's string id: strings as they are, ObjectIds of any bson version as 24-hex. */
export function idFromMongo(id: unknown): string {
  if (typeof id === "string") return id;
  if (bsonType(id) === "ObjectId" && typeof (id as { toHexString?: unknown }).toHexString === "function") {
    return (id as { toHexString(): string }).toHexString();
  }
  throw new TypeError(`kernia mongodb: unsupported _id of type ${bsonType(id) ?? typeof id}`);
}

/**
 * A stored value as a store Value. The driver already returns JS numbers, strings, booleans, Dates and
 * null (promoteValues/promoteLongs defaults); wrapped numerics only appear with non-default read
 * options or documents written elsewhere, and are unwrapped here rather than leaking bson objects.
 */
function valueFromMongo(field: string, v: unknown): Value {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v instanceof Date) return v;
  switch (bsonType(v)) {
    case "Int32":
    case "Double":
      return Number((v as { valueOf(): number }).valueOf());
    case "Long":
      return (v as { toNumber(): number }).toNumber();
  }
  throw new TypeError(`kernia mongodb: field ${field} holds an unsupported ${bsonType(v) ?? typeof v}`);
}

/** The document stored for a row (copying, so the driver never mutates the caller's object). */
export function toDocument(row: Row): Document {
  const doc: Document = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === undefined) continue;
    doc[fieldToMongo(k)] = v instanceof Date ? new Date(v.getTime()) : v;
  }
  return doc;
}

export function fromDocument<T extends Row = Row>(doc: Document): T {
  const row: Record<string, Value> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === "_id") row.id = idFromMongo(v);
    else if (v !== undefined) row[fieldFromMongo(k)] = valueFromMongo(k, v);
  }
  return row as T;
}

/**
 * A validated Where list as a MongoDB filter. Values are only primitives and Dates (checked at the
 * boundary), never objects, so a value can never smuggle in a query operator. `eq null` is MongoDB's
 * `{ f: null }`, which matches missing and null, as the port asks.
 *
 * `typed` names the fields whose index is partial on `{f: {$type: T}}` (mongodb-schema.ts
 * partialTypes): a non-null equality or `$in` on one of them also carries `$type: T`, so the query
 * contains the index's filter expression and the planner can use the index (manual, "Partial Indexes >
 * Query Coverage"). Only added when every value already has that type, so no result changes.
 */
export function toFilter(where: readonly Where[], typed?: ReadonlyMap<string, string>): Document {
  const parts = where.map((w): Document => {
    const op = w.operator ?? "eq";
    const cond: Document = { [`$${op}`]: w.value };
    const type = typed?.get(w.field);
    if (type !== undefined && (op === "eq" || op === "in")) {
      const values = op === "in" ? (w.value as readonly Value[]) : [w.value as Value];
      if (values.length > 0 && values.every((v) => v !== null && hasFieldType(type, v))) cond.$type = type;
    }
    return { [fieldToMongo(w.field)]: cond };
  });
  if (parts.length === 0) return {};
  if (parts.length === 1) return parts[0];
  // $and keeps two conditions on one field from overwriting each other.
  return { $and: parts };
}

/** Whether a value has the type a `$type` alias names (then adding `$type` to its equality changes no result). */
function hasFieldType(type: string, v: Value): boolean {
  if (type === "string") return typeof v === "string";
  if (type === "number") return typeof v === "number";
  if (type === "bool") return typeof v === "boolean";
  return v instanceof Date;
}

export function toSort(sortBy: FindManyOptions["sortBy"]): Document | undefined {
  if (sortBy === undefined) return undefined;
  return { [fieldToMongo(sortBy.field)]: sortBy.direction === "desc" ? -1 : 1 };
}

/** Fields to $set, with `id` never among them (the port forbids changing it). */
export function toSet(changes: Record<string, Value>): Document {
  const set: Document = {};
  for (const [k, v] of Object.entries(changes)) set[fieldToMongo(k)] = v;
  return set;
}

function isDuplicateKey(e: unknown): e is { code: number; keyPattern?: unknown; keyValue?: unknown; message?: unknown } {
  // 11000 is DuplicateKey; 11001 is its pre-2.6 alias still listed in the server's error codes.
  return typeof e === "object" && e !== null && ((e as { code?: unknown }).code === 11000 || (e as { code?: unknown }).code === 11001);
}

/**
 * A duplicate-key error (E11000, any driver version) as UniqueConstraintError naming the store field,
 * read from the error's keyPattern (then keyValue, then the "dup key: { f: ... }" text of the message);
 * any other error undefined, so callers rethrow it unchanged.
 */
export function uniqueErrorFrom(e: unknown, model: string): UniqueConstraintError | undefined {
  if (!isDuplicateKey(e)) return undefined;
  const firstKey = (o: unknown): string | undefined =>
    typeof o === "object" && o !== null && Object.keys(o).length > 0 ? Object.keys(o)[0] : undefined;
  let field = firstKey(e.keyPattern) ?? firstKey(e.keyValue);
  if (field === undefined && typeof e.message === "string") {
    field = /dup key: \{ ?"?([^":\s]+)"?\s*:/.exec(e.message)?.[1];
  }
  return new UniqueConstraintError(model, fieldFromMongo(field ?? "unknown"));
}
