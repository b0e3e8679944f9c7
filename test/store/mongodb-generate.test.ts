/**
 * `generate` of the MongoDB adapter without a server: the validator and index plan derived from a
 * schema, and generate's control flow (create, find, update, dry run, conflicts) against a small
 * stateful fake of the Db calls it makes. Whether a real server accepts these commands is covered by
 * test/store/mongodb.test.ts when a server is available.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Db, Document } from "mongodb";
import { GenerateConflictError, mongodbAdapter } from "../../src/adapters/mongodb.js";
import { indexesFor, validatorFor } from "../../src/adapters/mongodb-schema.js";
import { StoreUnavailableError, type Schema } from "../../src/adapters/types.js";

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
        { name: "kernia_token_unique", key: { token: 1 }, unique: true },
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

  test("a required unique field gets a plain unique index; an optional one a $type-partial unique index", () => {
    const def: Schema[string] = {
      fields: {
        email: { type: "string", required: true, unique: true },
        username: { type: "string", unique: true },
        n: { type: "number", unique: true },
      },
    };
    assert.deepEqual(
      indexesFor(def).map(({ describe: _, ...ix }) => ix),
      [
        { name: "kernia_email_unique", key: { email: 1 }, unique: true },
        { name: "kernia_username_unique", key: { username: 1 }, unique: true, partialFilterExpression: { username: { $type: "string" } } },
        { name: "kernia_n_unique", key: { n: 1 }, unique: true, partialFilterExpression: { n: { $type: "number" } } },
      ],
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
    async createCollection(name: string, { timeoutMS: _, ...options }: Document) {
      writes.push(`createCollection ${name}`);
      collections.set(name, { options: structuredClone(options), indexes: [{ v: 2, key: { _id: 1 }, name: "_id_" }] });
    },
    async command(cmd: Document) {
      writes.push(`command ${Object.keys(cmd)[0]} ${String(Object.values(cmd)[0])}`);
      const c = collections.get(cmd.collMod);
      if (c && cmd.index !== undefined) {
        const ix = c.indexes.find((i) => JSON.stringify(i.key) === JSON.stringify(cmd.index.keyPattern))!;
        ix.expireAfterSeconds = cmd.index.expireAfterSeconds;
      } else if (c) c.options = { validator: cmd.validator, validationLevel: cmd.validationLevel };
      return { ok: 1 };
    },
    collection: (name: string) => ({
      listIndexes: () => cursor(() => collections.get(name)?.indexes ?? []),
      async createIndex(key: Document, { timeoutMS: _, ...options }: Document) {
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
    assert.deepEqual(
      second,
      first.map((l) => l.replace(/^created (collection \S+).*$/, "found $1").replace(/^created/, "found")),
    );
  });

  test("dry run writes nothing and prints the same plan as would-lines", async () => {
    const fake = fakeDb();
    const plan = await generate(fake.db, schema, true);
    assert.deepEqual(fake.writes, []);
    assert.equal(plan.length, 9);
    assert.ok(
      plan.every((l) => l.startsWith("would create ")),
      plan.join("\n"),
    );
  });

  test("a new field updates the validator (collMod) and adds its index; dry run only says so", async () => {
    const fake = fakeDb();
    await generate(fake.db, schema);
    const grown: Schema = { ...schema, user: { fields: { ...schema.user.fields, username: { type: "string", unique: true } } } };
    const dry = await generate(fake.db, grown, true);
    assert.ok(dry.includes("would update validator of collection user"));
    assert.ok(dry.includes("would create index user.username (unique username where set)"));
    const before = fake.writes.length;
    const lines = await generate(fake.db, grown);
    assert.deepEqual(fake.writes.slice(before), ["command collMod user", "createIndex user kernia_username_unique"]);
    assert.ok(lines.includes("updated validator of collection user"));
    assert.ok((await generate(fake.db, grown)).every((l) => l.startsWith("found ")));
  });

  test("an existing index that cannot do the job stops generate before any write, naming it and the command to run", async () => {
    for (const [existing, message] of [
      [{ key: { email: 1 }, name: "email_1" }, /index email_1 on user\.email is not unique/],
      [{ key: { email: 1 }, name: "email_sparse", unique: true, sparse: true }, /email_sparse on user\.email is sparse/],
      [
        // What earlier versions of generate made for a required unique field: equality queries never used it.
        { key: { email: 1 }, name: "kernia_email_unique", unique: true, partialFilterExpression: { email: { $type: "string" } } },
        /kernia_email_unique on user\.email has partial filter \{"email":\{"\$type":"string"\}\}, which equality queries do not imply/,
      ],
      [
        { key: { email: 1 }, name: "email_ci", unique: true, collation: { locale: "en", strength: 2 } },
        /email_ci on user\.email has collation/,
      ],
      [{ key: { email: 1 }, name: "email_ttl", unique: true, expireAfterSeconds: 60 }, /email_ttl on user\.email is a TTL index/],
      [{ key: { name: 1 }, name: "kernia_email_unique" }, /index kernia_email_unique on user has key \{"name":1\}/],
    ] as const) {
      const fake = fakeDb();
      await fake.db.createCollection("user", { validator: validatorFor(schema.user), validationLevel: "moderate" });
      fake.collections.get("user")!.indexes.push({ v: 2, ...existing });
      const writes = fake.writes.length;
      await assert.rejects(generate(fake.db, schema), (e: unknown) => {
        assert.ok(e instanceof GenerateConflictError);
        assert.match(e.message, message);
        assert.match(e.message, new RegExp(`db\\.getCollection\\("user"\\)\\.dropIndex\\("${existing.name}"\\)`));
        assert.match(e.message, /nothing was changed/);
        return true;
      });
      assert.equal(fake.writes.length, writes, "nothing written, not even the other collections");
      assert.equal(fake.collections.size, 1);
    }
  });

  test("a TTL index with another expireAfterSeconds is fixed in place with collMod", async () => {
    const fake = fakeDb();
    await fake.db.createCollection("session", { validator: validatorFor(schema.session), validationLevel: "moderate" });
    fake.collections.get("session")!.indexes.push({ v: 2, key: { expiresAt: 1 }, name: "exp", expireAfterSeconds: 3600 });
    const dry = await generate(fake.db, { session: schema.session }, true);
    assert.ok(dry.includes("would update index session.expiresAt (TTL expiresAt): expireAfterSeconds 3600 -> 0"), dry.join("\n"));
    const lines = await generate(fake.db, { session: schema.session });
    assert.ok(lines.includes("updated index session.expiresAt (TTL expiresAt): expireAfterSeconds 3600 -> 0"), lines.join("\n"));
    assert.ok(fake.writes.includes("command collMod session"));
    assert.equal(fake.collections.get("session")!.indexes.find((i) => i.name === "exp")!.expireAfterSeconds, 0);
    assert.ok((await generate(fake.db, { session: schema.session })).every((l) => l.startsWith("found ")));
  });

  test("offline dry run prints the whole plan without a single database call", async () => {
    const touched: string[] = [];
    // `client` is read once by the adapter for its timeout settings; everything else would be a call.
    const db = new Proxy(
      {},
      {
        get: (_t, k) =>
          k === "client"
            ? undefined
            : (touched.push(String(k)),
              () => {
                throw new Error(`called ${String(k)}`);
              }),
      },
    ) as unknown as Db;
    const lines: string[] = [];
    await mongodbAdapter(db).generate!(schema, { dryRun: true, offline: true, log: (l) => lines.push(l) });
    assert.deepEqual(touched, []);
    assert.equal(lines.length, 9);
    assert.ok(
      lines.every((l) => l.startsWith("would create ")),
      lines.join("\n"),
    );
  });

  test("an unreachable database is a StoreUnavailableError; the server is told the time limit (maxTimeMS)", async () => {
    const seen: Document[] = [];
    const db = {
      listCollections: (_f: Document, o: Document) => {
        seen.push(o);
        return {
          toArray: async () => {
            throw Object.assign(new Error("Server selection timed out after 5000 ms"), { name: "MongoServerSelectionError" });
          },
        };
      },
    } as unknown as Db;
    await assert.rejects(mongodbAdapter(db).generate!(schema, { log: () => {} }), StoreUnavailableError);
    assert.equal(seen[0].maxTimeMS, 5000);
  });

  test("collectionPrefix applies to every collection", async () => {
    const fake = fakeDb();
    await mongodbAdapter(fake.db, { collectionPrefix: "auth_" }).generate!(schema, { log: () => {} });
    assert.deepEqual([...fake.collections.keys()], ["auth_user", "auth_session", "auth_verification"]);
  });
});
