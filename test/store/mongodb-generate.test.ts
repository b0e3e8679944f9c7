/**
 * `generate` of the MongoDB adapter without a server: the validator and index plan derived from a
 * schema, and generate's control flow (create, find, update, dry run, conflicts) against a small
 * stateful fake of the Db calls it makes. Whether a real server accepts these commands is covered by
 * test/store/mongodb.test.ts when a server is available.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Db, Document } from "mongodb";
import { mongodbAdapter } from "../../src/adapters/mongodb.js";
import { indexesFor, validatorFor } from "../../src/adapters/mongodb-schema.js";
import type { Schema } from "../../src/adapters/types.js";

const schema: Schema = {
  user: {
    fields: {
      name: { type: "string", required: true },
      email: { type: "string", required: true, unique: true },
      age: { type: "number" },
      verified: { type: "boolean", defaultValue: false },
      createdAt: { type: "date", required: true },
    },
  },
  session: {
    fields: {
      token: { type: "string", required: true, unique: true },
      userId: { type: "string", required: true, references: { model: "user", field: "id" } },
      expiresAt: { type: "date", required: true, index: true },
    },
    expiresAtField: "expiresAt",
  },
  verification: {
    fields: { identifier: { type: "string", required: true }, value: { type: "string" }, expiresAt: { type: "date" } },
    expiresAtField: "expiresAt",
  },
};

describe("plan", () => {
  test("validator: _id string, declared types or null, required list", () => {
    assert.deepEqual(validatorFor(schema.user), {
      $jsonSchema: {
        bsonType: "object",
        required: ["_id", "name", "email", "createdAt"],
        properties: {
          _id: { bsonType: "string" },
          name: { bsonType: ["string", "null"] },
          email: { bsonType: ["string", "null"] },
          age: { bsonType: ["number", "null"] },
          verified: { bsonType: ["bool", "null"] },
          createdAt: { bsonType: ["date", "null"] },
        },
      },
    });
  });

  test("indexes: partial unique per unique field, TTL on the expiry field, lookups for userId and identifier", () => {
    assert.deepEqual(
      indexesFor(schema.session).map(({ describe: _, ...ix }) => ix),
      [
        { name: "kernia_token_unique", key: { token: 1 }, unique: true, partialFilterExpression: { token: { $type: "string" } } },
        { name: "kernia_expiresAt_ttl", key: { expiresAt: 1 }, expireAfterSeconds: 0 },
        { name: "kernia_userId", key: { userId: 1 } },
      ],
    );
    assert.deepEqual(
      indexesFor(schema.verification).map((ix) => ix.name),
      ["kernia_expiresAt_ttl", "kernia_identifier"],
    );
    assert.deepEqual(
      indexesFor(schema.user).map((ix) => ix.name),
      ["kernia_email_unique"],
    );
  });
});

/** Just enough of a Db for generate: collections with options and indexes, and a write log. */
function fakeDb() {
  const collections = new Map<string, { options: Document; indexes: Document[] }>();
  const writes: string[] = [];
  const cursor = <T>(items: () => T[]) => ({ toArray: async () => structuredClone(items()) });
  const db = {
    listCollections: () => cursor(() => [...collections].map(([name, c]) => ({ name, type: "collection", options: c.options }))),
    async createCollection(name: string, options: Document) {
      writes.push(`createCollection ${name}`);
      collections.set(name, { options: structuredClone(options), indexes: [{ v: 2, key: { _id: 1 }, name: "_id_" }] });
    },
    async command(cmd: Document) {
      writes.push(`command ${Object.keys(cmd)[0]} ${String(Object.values(cmd)[0])}`);
      const c = collections.get(cmd.collMod);
      if (c) c.options = { validator: cmd.validator, validationLevel: cmd.validationLevel };
      return { ok: 1 };
    },
    collection: (name: string) => ({
      listIndexes: () => cursor(() => collections.get(name)?.indexes ?? []),
      async createIndex(key: Document, options: Document) {
        writes.push(`createIndex ${name} ${options.name}`);
        collections.get(name)!.indexes.push({ v: 2, key, ...options });
        return options.name;
      },
    }),
  };
  return { db: db as unknown as Db, collections, writes };
}

async function generate(db: Db, s: Schema, dryRun = false): Promise<string[]> {
  const lines: string[] = [];
  await mongodbAdapter(db).generate!(s, { dryRun, log: (l) => lines.push(l) });
  return lines;
}

describe("generate control flow (fake Db)", () => {
  test("first run creates everything, in schema order, one line each", async () => {
    const fake = fakeDb();
    assert.deepEqual(await generate(fake.db, schema), [
      "created collection user (validator: 5 fields)",
      "created index user.email (unique email)",
      "created collection session (validator: 3 fields)",
      "created index session.token (unique token)",
      "created index session.expiresAt (TTL expiresAt)",
      "created index session.userId (lookup userId)",
      "created collection verification (validator: 3 fields)",
      "created index verification.expiresAt (TTL expiresAt)",
      "created index verification.identifier (lookup identifier)",
    ]);
    assert.equal(fake.writes.length, 9);
    assert.deepEqual(fake.collections.get("session")!.options, { validator: validatorFor(schema.session), validationLevel: "moderate" });
  });

  test("a second run writes nothing and reports each thing as found", async () => {
    const fake = fakeDb();
    const first = await generate(fake.db, schema);
    const writes = fake.writes.length;
    const second = await generate(fake.db, schema);
    assert.equal(fake.writes.length, writes);
    assert.deepEqual(second, first.map((l) => l.replace(/^created (collection \S+).*$/, "found $1").replace(/^created/, "found")));
  });

  test("dry run writes nothing and prints the same plan as would-lines", async () => {
    const fake = fakeDb();
    const plan = await generate(fake.db, schema, true);
    assert.deepEqual(fake.writes, []);
    assert.equal(plan.length, 9);
    assert.ok(plan.every((l) => l.startsWith("would create ")), plan.join("\n"));
  });

  test("a new field updates the validator (collMod) and adds its index; dry run only says so", async () => {
    const fake = fakeDb();
    await generate(fake.db, schema);
    const grown: Schema = { ...schema, user: { fields: { ...schema.user.fields, username: { type: "string", unique: true } } } };
    const dry = await generate(fake.db, grown, true);
    assert.ok(dry.includes("would update validator of collection user"));
    assert.ok(dry.includes("would create index user.username (unique username)"));
    const before = fake.writes.length;
    const lines = await generate(fake.db, grown);
    assert.deepEqual(fake.writes.slice(before), ["command collMod user", "createIndex user kernia_username_unique"]);
    assert.ok(lines.includes("updated validator of collection user"));
    assert.ok((await generate(fake.db, grown)).every((l) => l.startsWith("found ")));
  });

  test("an existing index that cannot do the job is an error naming it, before anything else is created", async () => {
    for (const [existing, message] of [
      [{ key: { email: 1 }, name: "email_1" }, /email_1 on user\.email is not unique/],
      [{ key: { email: 1 }, name: "email_sparse", unique: true, sparse: true }, /unique over null values too/],
    ] as const) {
      const fake = fakeDb();
      await fake.db.createCollection("user", { validator: validatorFor(schema.user), validationLevel: "moderate" });
      fake.collections.get("user")!.indexes.push({ v: 2, ...existing });
      await assert.rejects(generate(fake.db, schema), message);
      assert.equal(fake.collections.size, 1, "stopped at the conflict");
    }
    const ttl = fakeDb();
    await ttl.db.createCollection("session", { validator: validatorFor(schema.session), validationLevel: "moderate" });
    ttl.collections.get("session")!.indexes.push({ v: 2, key: { expiresAt: 1 }, name: "exp", expireAfterSeconds: 3600 });
    await assert.rejects(generate(ttl.db, { session: schema.session }), /expireAfterSeconds 3600 instead of 0/);
  });

  test("collectionPrefix applies to every collection", async () => {
    const fake = fakeDb();
    await mongodbAdapter(fake.db, { collectionPrefix: "auth_" }).generate!(schema, { log: () => {} });
    assert.deepEqual([...fake.collections.keys()], ["auth_user", "auth_session", "auth_verification"]);
  });
});
