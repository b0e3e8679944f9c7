/**
 * The MongoDB adapter's driver-facing behaviour, checked without a server against BOTH supported
 * driver majors installed side by side (`mongodb` = 7, `mongodb6` = 6): duplicate-key errors built by
 * each driver map to UniqueConstraintError, other errors pass through untouched, and documents
 * round-trip through each driver's own BSON serializer with ids as strings and dates as Dates.
 * A recording fake Db then checks that every atomic port operation is ONE driver call of the right kind.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as mongo7 from "mongodb";
import * as mongo6 from "mongodb6";
import fc from "fast-check";
import type { Db, Document } from "mongodb";
import { mongodbAdapter } from "../../src/adapters/mongodb.js";
import { fromDocument, idFromMongo, toDocument, toFilter, uniqueErrorFrom } from "../../src/adapters/mongodb-mapping.js";
import { StoreUnavailableError, UniqueConstraintError, type Row, type Schema } from "../../src/adapters/types.js";

const drivers = [
  { major: 7, m: mongo7 as unknown as typeof mongo7 },
  { major: 6, m: mongo6 as unknown as typeof mongo7 },
];

test("the two driver packages really are majors 7 and 6", async () => {
  const { createRequire } = await import("node:module");
  const require = createRequire(import.meta.url);
  assert.match(require("mongodb/package.json").version, /^7\./);
  assert.match(require("mongodb6/package.json").version, /^6\./);
  assert.notEqual(mongo7.ObjectId, mongo6.ObjectId, "two distinct bson copies");
});

for (const { major, m } of drivers) {
  describe(`mongodb driver ${major}`, () => {
    const dupKey = (index: string, keyPattern: object | undefined, keyValue: object | undefined, value: string) =>
      new m.MongoServerError({
        message: `E11000 duplicate key error collection: kernia.user index: ${index} dup key: { ${Object.keys(keyPattern ?? keyValue ?? { email: 1 })[0]}: "${value}" }`,
        code: 11000,
        ...(keyPattern && { keyPattern }),
        ...(keyValue && { keyValue }),
      });

    test("E11000 with keyPattern/keyValue maps to UniqueConstraintError naming the field", () => {
      const e = uniqueErrorFrom(dupKey("kernia_email_unique", { email: 1 }, { email: "a@x.io" }, "a@x.io"), "user");
      assert.ok(e instanceof UniqueConstraintError);
      assert.equal(e.model, "user");
      assert.equal(e.field, "email");
    });

    test("a duplicate _id maps to field id", () => {
      const e = uniqueErrorFrom(dupKey("_id_", { _id: 1 }, { _id: "abc" }, "abc"), "session");
      assert.equal(e?.field, "id");
      assert.equal(e?.model, "session");
    });

    test("without keyPattern the field comes from keyValue, then from the message", () => {
      assert.equal(uniqueErrorFrom(dupKey("i", undefined, { token: "t" }, "t"), "session")?.field, "token");
      const bare = new m.MongoServerError({
        message: 'E11000 duplicate key error collection: kernia.user index: username_1 dup key: { username: "bob" }',
        code: 11000,
      });
      assert.equal(uniqueErrorFrom(bare, "user")?.field, "username");
    });

    test("other server errors and plain errors are not mapped", () => {
      const validation = new m.MongoServerError({ message: "Document failed validation", code: 121 });
      assert.equal(uniqueErrorFrom(validation, "user"), undefined);
      assert.equal(uniqueErrorFrom(new Error("E11000 in a message only"), "user"), undefined);
      assert.equal(uniqueErrorFrom(null, "user"), undefined);
    });

    test("through the adapter: E11000 becomes UniqueConstraintError, anything else is rethrown as the same object", async () => {
      const schema: Schema = { user: { fields: { email: { type: "string", unique: true } } } };
      let next: unknown;
      const fake = fakeDb(() => {
        throw next;
      });
      const store = mongodbAdapter(fake.db, { verifyIndexes: false }).bind(schema);
      next = dupKey("kernia_email_unique", { email: 1 }, { email: "a" }, "a");
      await assert.rejects(
        store.create("user", { id: "u1", email: "a" }),
        (e: unknown) => e instanceof UniqueConstraintError && e.field === "email",
      );
      await assert.rejects(store.update("user", [{ field: "id", value: "u1" }], { email: "a" }), UniqueConstraintError);
      const other = new m.MongoServerError({ message: "Document failed validation", code: 121 });
      next = other;
      await assert.rejects(store.create("user", { id: "u2", email: "b" }), (e: unknown) => e === other);
      // Network, server selection and timeout errors mean "the store did not answer": StoreUnavailableError, the driver's error as cause.
      for (const unavailable of [
        new m.MongoNetworkError("connection reset"),
        new m.MongoServerSelectionError("Server selection timed out after 5000 ms", { type: "Unknown", servers: new Map() } as never),
        new m.MongoNetworkTimeoutError("timed out"),
        new m.MongoServerError({ message: "not primary", code: 10107 }),
      ]) {
        next = unavailable;
        await assert.rejects(
          store.increment("user", [], "n", 1),
          (e: unknown) => e instanceof StoreUnavailableError && e.cause === unavailable && e.model === "user",
        );
      }
    });

    test("ObjectId _id of this driver's bson reads back as its 24-hex string", () => {
      const oid = new m.ObjectId();
      assert.equal(idFromMongo(oid), oid.toHexString());
      const row = fromDocument({ _id: oid, name: "x" });
      assert.equal(row.id, oid.toHexString());
      assert.equal(typeof row.id, "string");
    });

    test("rows round-trip through this driver's BSON: id stays a string (24-hex too), dates stay Dates", () => {
      const at = new Date("2026-11-28T01:02:03.456Z");
      for (const id of ["k".repeat(32), "0123456789abcdef01234567"]) {
        const row: Row = { id, email: "a@x.io", at, n: 3, f: 1.5, ok: false, none: null };
        const doc = toDocument(row);
        assert.deepEqual(Object.keys(doc).sort(), ["_id", "at", "email", "f", "n", "none", "ok"]);
        const bytes = m.BSON.serialize(doc);
        const back = fromDocument(m.BSON.deserialize(bytes));
        assert.deepEqual(back, row);
        assert.ok(back.at instanceof Date);
        assert.equal(typeof back.id, "string");
        // The stored _id is a BSON string (type 0x02), not an ObjectId (0x07): the byte after the
        // document length is the type of the first element, _id.
        assert.equal(bytes[4], 0x02);
      }
    });

    test("wrapped numerics of this driver's bson (promoteValues off) read back as numbers", () => {
      const raw = m.BSON.deserialize(
        m.BSON.serialize({ _id: "a", i: new m.Int32(7), d: new m.Double(2.5), l: m.Long.fromNumber(9007199254740991) }),
        {
          promoteValues: false,
        },
      );
      const row = fromDocument(raw);
      assert.deepEqual(row, { id: "a", i: 7, d: 2.5, l: 9007199254740991 });
    });

    test("property: any row survives toDocument -> BSON -> fromDocument", () => {
      const value = fc.oneof(
        fc.string(),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
        fc.boolean(),
        fc.date({ noInvalidDate: true }),
        fc.constant(null),
      );
      const key = fc
        .string({ minLength: 1, maxLength: 12 })
        .filter((k) => !k.startsWith("$") && !k.includes(".") && !k.includes("\0") && k !== "id" && k !== "_id" && k !== "__proto__");
      fc.assert(
        fc.property(
          fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes("\0")),
          fc.dictionary(key, value, { maxKeys: 6 }),
          (id, fields) => {
            const row = { id, ...fields } as Row;
            assert.deepEqual(fromDocument(m.BSON.deserialize(m.BSON.serialize(toDocument(row)))), row);
          },
        ),
        { numRuns: 200 },
      );
    });
  });
}

describe("filters", () => {
  test("each operator maps to its MongoDB operator; id maps to _id; several conditions are an $and", () => {
    assert.deepEqual(toFilter([]), {});
    assert.deepEqual(toFilter([{ field: "id", value: "x" }]), { _id: { $eq: "x" } });
    assert.deepEqual(toFilter([{ field: "n", value: null }]), { n: { $eq: null } });
    for (const op of ["ne", "lt", "lte", "gt", "gte"] as const) {
      assert.deepEqual(toFilter([{ field: "n", value: 1, operator: op }]), { n: { [`$${op}`]: 1 } });
    }
    assert.deepEqual(toFilter([{ field: "n", value: [1, null], operator: "in" }]), { n: { $in: [1, null] } });
    assert.deepEqual(
      toFilter([
        { field: "n", value: 1, operator: "gt" },
        { field: "n", value: 5, operator: "lt" },
      ]),
      {
        $and: [{ n: { $gt: 1 } }, { n: { $lt: 5 } }],
      },
    );
  });

  test("a value shaped like an operator object is rejected before it reaches a filter", async () => {
    const store = mongodbAdapter(fakeDb(() => null).db, { verifyIndexes: false }).bind({ user: { fields: { email: { type: "string" } } } });
    await assert.rejects(store.findOne("user", [{ field: "email", value: { $ne: "" } as never }]), TypeError);
  });
});

/** A Db whose collections record every call and answer with `reply(method, args)`. */
function fakeDb(reply: (method: string, args: unknown[]) => unknown) {
  const calls: { collection: string; method: string; args: unknown[] }[] = [];
  const collection = (name: string) =>
    new Proxy(
      {},
      {
        get:
          (_t, method: string) =>
          (...args: unknown[]) => {
            calls.push({ collection: name, method, args });
            if (method === "find" || method === "aggregate" || method === "listIndexes")
              return { toArray: async () => reply(method, args) ?? [] };
            return Promise.resolve().then(() => reply(method, args));
          },
      },
    );
  const db = { collection, client: undefined } as unknown as Db;
  return { db, calls };
}

describe("one driver call per port operation", () => {
  const schema: Schema = {
    challenge: { fields: { used: { type: "boolean" }, attempts: { type: "number" }, expiresAt: { type: "date" } } },
  };
  const doc = { _id: "c1", used: true, attempts: 3, expiresAt: new Date(7) };

  test("update is one findOneAndUpdate: the guard as filter, $set, returnDocument after", async () => {
    const fake = fakeDb(() => doc);
    const store = mongodbAdapter(fake.db, { verifyIndexes: false, collectionPrefix: "auth_" }).bind(schema);
    const row = await store.update(
      "challenge",
      [
        { field: "id", value: "c1" },
        { field: "used", value: false },
      ],
      { used: true },
    );
    assert.deepEqual(row, { id: "c1", used: true, attempts: 3, expiresAt: new Date(7) });
    assert.equal(fake.calls.length, 1);
    const [call] = fake.calls;
    assert.equal(call.collection, "auth_challenge");
    assert.equal(call.method, "findOneAndUpdate");
    assert.deepEqual(call.args[0], { $and: [{ _id: { $eq: "c1" } }, { used: { $eq: false } }] });
    assert.deepEqual(call.args[1], { $set: { used: true } });
    assert.equal((call.args[2] as { returnDocument: string }).returnDocument, "after");
    assert.equal((call.args[2] as { includeResultMetadata: boolean }).includeResultMetadata, false);
  });

  test("increment is one findOneAndUpdate with $inc and $set together", async () => {
    const fake = fakeDb(() => doc);
    const store = mongodbAdapter(fake.db, { verifyIndexes: false }).bind(schema);
    await store.increment("challenge", [{ field: "attempts", value: 5, operator: "lt" }], "attempts", 1, { expiresAt: new Date(9) });
    assert.equal(fake.calls.length, 1);
    assert.equal(fake.calls[0].method, "findOneAndUpdate");
    assert.deepEqual(fake.calls[0].args[0], { attempts: { $lt: 5 } });
    assert.deepEqual(fake.calls[0].args[1], { $inc: { attempts: 1 }, $set: { expiresAt: new Date(9) } });
    await store.increment("challenge", [], "attempts", 2);
    assert.deepEqual(fake.calls[1].args[1], { $inc: { attempts: 2 } }, "no empty $set");
  });

  test("deleteOne is one findOneAndDelete returning the removed row", async () => {
    const fake = fakeDb(() => doc);
    const store = mongodbAdapter(fake.db, { verifyIndexes: false }).bind(schema);
    const row = await store.deleteOne("challenge", [{ field: "id", value: "c1" }]);
    assert.equal(row?.id, "c1");
    assert.deepEqual(
      fake.calls.map((c) => c.method),
      ["findOneAndDelete"],
    );
    fake.calls.length = 0;
    const none = fakeDb(() => null);
    assert.equal(await mongodbAdapter(none.db, { verifyIndexes: false }).bind(schema).deleteOne("challenge", []), null);
  });

  test("create is one insertOne of the document with _id; findMany passes sort and limit to the server", async () => {
    const fake = fakeDb((method) => (method === "find" ? [doc] : { acknowledged: true }));
    const store = mongodbAdapter(fake.db, { verifyIndexes: false }).bind(schema);
    const created = await store.create("challenge", { id: "c2", used: false, expiresAt: new Date(1) });
    assert.deepEqual(fake.calls[0].args[0], { _id: "c2", used: false, expiresAt: new Date(1) });
    assert.equal(created.id, "c2");
    await store.findMany("challenge", [], { sortBy: { field: "id", direction: "desc" }, limit: 3 });
    const opts = fake.calls[1].args[1] as { sort: unknown; limit: number };
    assert.deepEqual(opts.sort, { _id: -1 });
    assert.equal(opts.limit, 3);
    assert.deepEqual(await store.findMany("challenge", [], { limit: 0 }), [], "limit 0 means no rows, not MongoDB's no limit");
    assert.equal(fake.calls.length, 2);
  });
});

describe("durability, time limits and single-document undos (recording fake Db)", () => {
  const schema: Schema = {
    user: {
      fields: {
        email: { type: "string", required: true, unique: true },
        username: { type: "string", unique: true },
        n: { type: "number" },
      },
    },
  };
  const optionsOf = (call: { method: string; args: unknown[] }) =>
    call.args[
      ["insertOne", "insertMany", "findOne", "find", "countDocuments", "aggregate", "findOneAndDelete", "deleteOne", "deleteMany"].includes(
        call.method,
      )
        ? 1
        : 2
    ] as Record<string, unknown>;

  test("every write carries w: majority (wtimeout 5 s), every read primary; reads and findAndModify carry maxTimeMS 5 s", async () => {
    const fake = fakeDb((method) =>
      method === "find" || method === "aggregate" ? [] : method === "deleteMany" || method === "deleteOne" ? { deletedCount: 0 } : null,
    );
    const store = mongodbAdapter(fake.db, { verifyIndexes: false }).bind(schema);
    await store.create("user", { id: "u1", email: "a@x" });
    await store.createMany("user", [{ id: "u2", email: "b@x" }]);
    await store.update("user", [{ field: "id", value: "u1" }], { n: 1 });
    await store.increment("user", [{ field: "id", value: "u1" }], "n", 1);
    await store.upsert("user", [{ field: "id", value: "u3" }], { create: { email: "c@x" } });
    await store.deleteOne("user", [{ field: "id", value: "u1" }]);
    await store.deleteMany("user", [{ field: "n", value: 1 }]);
    await store.findOne("user", []);
    await store.findMany("user", []);
    await store.count("user", []);
    await store.findOneJoined("user", [], { model: "user", field: "id" });
    const writes = fake.calls.filter((c) => !["findOne", "find", "countDocuments", "aggregate"].includes(c.method));
    const reads = fake.calls.filter((c) => ["findOne", "find", "countDocuments", "aggregate"].includes(c.method));
    assert.equal(writes.length, 7);
    assert.equal(reads.length, 4);
    for (const c of writes) {
      assert.deepEqual(optionsOf(c).writeConcern, { w: "majority", wtimeoutMS: 5000 }, c.method);
      assert.equal(optionsOf(c).maxTimeMS, c.method.startsWith("findOneAnd") ? 5000 : undefined, c.method);
      assert.equal(optionsOf(c).timeoutMS, undefined, "the driver's timeoutMS is a no-op in 6.22/7.9: never sent");
    }
    for (const c of reads) {
      assert.equal(optionsOf(c).readPreference, "primary", c.method);
      assert.equal(optionsOf(c).maxTimeMS, 5000, c.method);
    }
  });

  test("write concern, read preference and the time limit are overridable", async () => {
    const fake = fakeDb(() => null);
    await mongodbAdapter(fake.db, { verifyIndexes: false, writeConcern: { w: 1 }, readPreference: "secondaryPreferred", timeoutMS: 250 })
      .bind(schema)
      .update("user", [{ field: "id", value: "u" }], { n: 1 });
    assert.deepEqual(optionsOf(fake.calls[0]).writeConcern, { w: 1 });
    assert.equal(optionsOf(fake.calls[0]).maxTimeMS, 250);
    const reads = fakeDb(() => null);
    await mongodbAdapter(reads.db, { verifyIndexes: false, readPreference: "secondaryPreferred", timeoutMS: 0 })
      .bind(schema)
      .findOne("user", []);
    assert.equal(optionsOf(reads.calls[0]).readPreference, "secondaryPreferred");
    assert.equal(optionsOf(reads.calls[0]).maxTimeMS, undefined, "0: no limit");
  });

  test("after an unavailability error the time limit drops to 1 s until an operation succeeds", async () => {
    let fail = true;
    const fake = fakeDb(() => {
      if (fail) throw new mongo7.MongoNetworkError("reset");
      return null;
    });
    const store = mongodbAdapter(fake.db, { verifyIndexes: false }).bind(schema);
    await assert.rejects(store.findOne("user", []), StoreUnavailableError);
    await assert.rejects(store.findOne("user", []), StoreUnavailableError);
    fail = false;
    await store.findOne("user", []);
    await store.findOne("user", []);
    assert.deepEqual(
      fake.calls.map((c) => optionsOf(c).maxTimeMS),
      [5000, 1000, 1000, 5000],
    );
  });

  test("a delete that is one equality on id goes out as deleteOne (retryable); others as deleteMany", async () => {
    const fake = fakeDb(() => ({ deletedCount: 1 }));
    const store = mongodbAdapter(fake.db, { verifyIndexes: false }).bind(schema);
    assert.equal(await store.deleteMany("user", [{ field: "id", value: "u1" }]), 1);
    await store.deleteMany("user", [
      { field: "id", value: "u1" },
      { field: "n", value: 2 },
    ]);
    await store.deleteMany("user", [{ field: "id", value: ["a", "b"], operator: "in" }]);
    assert.deepEqual(
      fake.calls.map((c) => c.method),
      ["deleteOne", "deleteMany", "deleteMany"],
    );
    assert.deepEqual(fake.calls[0].args[0], { _id: { $eq: "u1" } });
  });

  test("equalities on an optional unique field carry its partial index's $type; on a required one they do not", async () => {
    const fake = fakeDb(() => null);
    const store = mongodbAdapter(fake.db, { verifyIndexes: false }).bind(schema);
    await store.findOne("user", [{ field: "username", value: "bob" }]);
    await store.findOne("user", [{ field: "email", value: "a@x" }]);
    await store.findOne("user", [{ field: "username", value: ["a", "b"], operator: "in" }]);
    assert.deepEqual(
      fake.calls.map((c) => c.args[0]),
      [{ username: { $eq: "bob", $type: "string" } }, { email: { $eq: "a@x" } }, { username: { $in: ["a", "b"], $type: "string" } }],
    );
  });

  test("an upsert whose insert collides on ANOTHER unique field is that UniqueConstraintError, not a null", async () => {
    const fake = fakeDb(() => {
      throw new mongo7.MongoServerError({ message: "E11000 dup", code: 11000, keyPattern: { email: 1 }, keyValue: { email: "a@x" } });
    });
    const store = mongodbAdapter(fake.db, { verifyIndexes: false }).bind(schema);
    await assert.rejects(
      store.upsert("user", [{ field: "id", value: "u9" }], { create: { email: "a@x" } }),
      (e: unknown) => e instanceof UniqueConstraintError && e.field === "email",
    );
    assert.equal(fake.calls.length, 1, "no retry for a collision that is not on the key");
  });

  test("a driver that never answers is cut off at the time limit (a never-connected client waits 30 s for its connect)", async () => {
    const db = { collection: () => ({ findOne: () => new Promise(() => {}) }), client: undefined } as unknown as Db;
    const started = Date.now();
    await assert.rejects(
      mongodbAdapter(db, { verifyIndexes: false, timeoutMS: 200 }).bind(schema).findOne("user", []),
      StoreUnavailableError,
    );
    assert.ok(Date.now() - started < 200 + 5000);
  });

  test("writes to a collection whose unique index is missing are refused, naming it; reads are served; one listIndexes", async () => {
    let listed = 0;
    const indexes: Document[] = [
      { v: 2, key: { _id: 1 }, name: "_id_" },
      { v: 2, key: { username: 1 }, name: "kernia_username_unique", unique: true },
    ];
    const calls: string[] = [];
    const db = {
      client: undefined,
      collection: () => ({
        listIndexes: () => ({ toArray: async () => (listed++, indexes) }),
        insertOne: async () => void calls.push("insertOne"),
        findOne: async () => (calls.push("findOne"), null),
      }),
    } as unknown as Db;
    const store = mongodbAdapter(db).bind(schema);
    await assert.rejects(
      store.create("user", { id: "u", email: "a@x" }),
      /collection user lacks the unique index on email \(kernia_email_unique\).*run `kernia generate`/,
    );
    await assert.rejects(store.create("user", { id: "u", email: "a@x" }), /kernia_email_unique/);
    assert.equal(listed, 1, "the verdict is remembered (re-checked after indexRecheckMS)");
    assert.equal(await store.findOne("user", []), null);
    indexes.push({ v: 2, key: { email: 1 }, name: "kernia_email_unique", unique: true });
    const healed = mongodbAdapter(db, { indexRecheckMS: 0 }).bind(schema);
    await healed.create("user", { id: "u", email: "a@x" });
    await healed.create("user", { id: "u2", email: "b@x" });
    assert.deepEqual(calls, ["findOne", "insertOne", "insertOne"]);
    assert.equal(listed, 2, "checked once per collection and process");
  });
});
