/** jsonText (the response body serializer) gives exactly JSON.stringify's text, dates included. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { jsonText } from "../../src/auth/init.js";

describe("jsonText", () => {
  test("same text as JSON.stringify for JSON values mixed with dates, undefined and odd keys", () => {
    const leaf = fc.oneof(fc.jsonValue(), fc.date(), fc.constant(undefined), fc.constant(new Date(Number.NaN)));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
      array: fc.array(tie("node"), { maxLength: 5 }),
      object: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("__proto__", "toString", "0", "10", "constructor")), tie("node"), {
        maxKeys: 5,
      }),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        assert.equal(jsonText(v), JSON.stringify(v));
      }),
      { numRuns: 500 },
    );
  });

  test("objects that are not plain keep JSON.stringify's own handling", () => {
    class Point {
      constructor(
        readonly x: number,
        readonly at: Date,
      ) {}
    }
    const withToJSON = { toJSON: () => ({ replaced: true }), at: new Date(0) };
    const parsed = JSON.parse('{"__proto__": {"at": 1}, "a": [1, null]}');
    const cases: unknown[] = [
      new Point(1, new Date(5)),
      withToJSON,
      [new Date(1), Object(5), Object("s"), new Map([[1, 2]])],
      // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
      { nested: { deeper: [{ at: new Date(Date.UTC(2026, 10, 28)) }] }, sparse: [1, , 3] },
      parsed,
      Object.assign(Object.create(null), { at: new Date(7) }),
      null,
      "text",
      new Date(86_400_000),
    ];
    for (const c of cases) assert.equal(jsonText(c), JSON.stringify(c));
    assert.equal(jsonText(parsed), '{"__proto__":{"at":1},"a":[1,null]}');
  });
});
