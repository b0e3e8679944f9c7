/**
 * Value matching and ordering with MongoDB's semantics, so the memory adapter answers every query the
 * way the MongoDB adapter does (the contract suite runs on both):
 * - `eq null` matches a missing or null field; `ne x` matches a missing field.
 * - Range operators only match values of the same BSON type class (MongoDB "type bracketing"):
 *   `{ $lt: 5 }` never matches a string or a missing field.
 * - Sorting orders types as BSON does (null < numbers < strings < booleans < dates) and strings by
 *   code point, which is MongoDB's default binary UTF-8 order.
 * Internal: not exported from the package.
 */
import type { Value, Where } from "./types.js";

/** BSON comparison order of the types Kernia stores (MongoDB manual, "Comparison/Sort Order"). */
function rank(v: Value | undefined): number {
  if (v === undefined || v === null) return 1;
  if (typeof v === "number") return 2;
  if (typeof v === "string") return 3;
  if (typeof v === "boolean") return 8;
  return 9; // Date
}

/**
 * Code point order of two well-formed UTF-16 strings (equal to UTF-8 byte order). Plain `<` compares
 * UTF-16 code units, which puts U+10000.. (surrogates, 0xD800..0xDFFF) before U+E000..U+FFFF; shifting
 * surrogates above that range restores code point order without allocating.
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

/** Total order used by sortBy; missing fields sort with null, first in ascending order. */
export function compareValues(a: Value | undefined, b: Value | undefined): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (a === undefined || a === null || b === undefined || b === null) return 0;
  if (typeof a === "number") return a - (b as number);
  if (typeof a === "string") return compareStrings(a, b as string);
  if (typeof a === "boolean") return Number(a) - Number(b as boolean);
  return (a as Date).getTime() - (b as Date).getTime();
}

function equals(a: Value | undefined, b: Value): boolean {
  if (b === null) return a === undefined || a === null;
  return rank(a) === rank(b) && compareValues(a, b) === 0;
}

/** Does one stored field value satisfy one condition? */
export function matchesCondition(actual: Value | undefined, w: Where): boolean {
  const op = w.operator ?? "eq";
  if (op === "in") return (w.value as readonly Value[]).some((v) => equals(actual, v));
  const expected = w.value as Value;
  switch (op) {
    case "eq":
      return equals(actual, expected);
    case "ne":
      return !equals(actual, expected);
    default: {
      if (rank(actual) !== rank(expected)) return false;
      const c = compareValues(actual, expected);
      if (op === "lt") return c < 0;
      if (op === "lte") return c <= 0;
      if (op === "gt") return c > 0;
      return c >= 0;
    }
  }
}

export function matchesAll(row: Record<string, Value>, where: readonly Where[]): boolean {
  for (const w of where) if (!matchesCondition(row[w.field], w)) return false;
  return true;
}
