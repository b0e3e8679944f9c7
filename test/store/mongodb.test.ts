/**
 * The store contract and `generate` against a real MongoDB, with driver 7 and driver 6.
 *
 * Server: see test/helpers/mongo.ts (MONGODB_URI, else mongodb-memory-server). When neither is
 * available every test here is reported as skipped with the reason, never as passed.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MongoClient, type Db } from "mongodb";
import { MongoClient as MongoClient6 } from "mongodb6";
import { mongodbAdapter } from "../../src/adapters/mongodb.js";
import type { Schema, Where } from "../../src/adapters/types.js";
import type { Document } from "mongodb";
import { toFilter } from "../../src/adapters/mongodb-mapping.js";
import { indexesFor, partialTypes, servingIndex } from "../../src/adapters/mongodb-schema.js";
import { buildSchema } from "../../src/auth/schema.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { username } from "../../src/plugins/username/index.js";
import { phoneNumber } from "../../src/plugins/phone-number/index.js";
import { contractSchema, newId, storeContract } from "./contract.js";
import { freshDb, startMongo } from "../helpers/mongo.js";

const server = await startMongo();
const skip = "skip" in server ? server.skip : undefined;
if (skip !== undefined) console.log(`mongodb: skipped: ${skip}`);

const clients: { major: number; client: MongoClient }[] = [];
if (!("skip" in server)) {
  clients.push({ major: 7, client: await new MongoClient(server.uri, { serverSelectionTimeoutMS: 10_000 }).connect() });
  const c6 = await new MongoClient6(server.uri, { serverSelectionTimeoutMS: 10_000 }).connect();
  clients.push({ major: 6, client: c6 as unknown as MongoClient });
}

after(async () => {
  for (const { client } of clients) await client.close();
  if (!("skip" in server)) await server.stop();
});

const quiet = () => {};

for (const major of [7, 6]) {
  const client = () => clients.find((c) => c.major === major)!.client;
  storeContract(
    `mongodb (driver ${major})`,
    async (schema) => {
      const db = freshDb(client());
      const adapter = mongodbAdapter(db);
      await adapter.generate!(schema, { log: quiet });
      return { store: adapter.bind(schema), cleanup: async () => void (await db.dropDatabase()) };
    },
    { skip },
  );
}

describe("mongodb generate (driver 7)", () => {
  const client = () => clients.find((c) => c.major === 7)!.client;
  const withDb = (title: string, body: (db: Db) => Promise<void>) =>
    test(title, { skip }, async () => {
      const db = freshDb(client());
      try {
        await body(db);
      } finally {
        await db.dropDatabase();
      }
    });
  const run = async (db: Db, schema: Schema, options: { dryRun?: boolean; collectionPrefix?: string } = {}) => {
    const lines: string[] = [];
    await mongodbAdapter(db, { collectionPrefix: options.collectionPrefix }).generate!(schema, {
      dryRun: options.dryRun,
      log: (l) => lines.push(l),
    });
    return lines;
  };

  withDb("first run creates collections, validators and indexes; the second creates nothing and finds each", async (db) => {
    const first = await run(db, contractSchema);
    assert.ok(first.length > 0);
    assert.ok(
      first.every((l) => l.startsWith("created ")),
      first.join("\n"),
    );
    assert.ok(first.includes("created collection item (validator: 7 fields)"));
    assert.ok(first.includes("created index person.handle (unique handle)"));
    assert.ok(first.includes("created index item.email (unique email where set)"));
    assert.ok(first.includes("created index item.owner (lookup owner)"));
    assert.ok(first.includes("created index challenge.expiresAt (TTL expiresAt)"));
    assert.ok(first.includes("created index challenge.identifier (lookup identifier)"));
    const indexesBefore = await db.collection("item").listIndexes().toArray();

    const second = await run(db, contractSchema);
    assert.equal(second.length, first.length);
    assert.ok(
      second.every((l) => l.startsWith("found ")),
      second.join("\n"),
    );
    assert.deepEqual(await db.collection("item").listIndexes().toArray(), indexesBefore);

    const email = indexesBefore.find((ix) => ix.key.email === 1)!;
    assert.equal(email.unique, true);
    assert.deepEqual(email.partialFilterExpression, { email: { $type: "string" } });
    const ttl = (await db.collection("challenge").listIndexes().toArray()).find((ix) => ix.key.expiresAt === 1)!;
    assert.equal(ttl.expireAfterSeconds, 0);
  });

  withDb("dry run prints the plan and writes nothing", async (db) => {
    const lines = await run(db, contractSchema, { dryRun: true });
    assert.ok(lines.length > 0 && lines.every((l) => l.startsWith("would ")), lines.join("\n"));
    assert.deepEqual(await db.listCollections().toArray(), []);
    // After a real run, a dry run only finds.
    await run(db, contractSchema);
    const again = await run(db, contractSchema, { dryRun: true });
    assert.ok(
      again.every((l) => l.startsWith("found ")),
      again.join("\n"),
    );
  });

  withDb("the validator rejects wrong types and missing required fields written around the adapter", async (db) => {
    await run(db, contractSchema);
    const items = db.collection<Record<string, unknown>>("item");
    await assert.rejects(
      items.insertOne({ _id: "a" as never, name: "n", count: "seven" }),
      (e: unknown) => (e as { code?: number }).code === 121,
    );
    await assert.rejects(items.insertOne({ _id: "b" as never, count: 1 }), (e: unknown) => (e as { code?: number }).code === 121);
    await items.insertOne({ _id: "c" as never, name: "n", count: 1, extra: { any: "thing" } });
  });

  withDb("a schema change updates the validator; a conflicting non-unique index is an error", async (db) => {
    await run(db, contractSchema);
    const grown: Schema = {
      ...contractSchema,
      item: { fields: { ...contractSchema.item.fields, phone: { type: "string", unique: true } } },
    };
    const lines = await run(db, grown);
    assert.ok(lines.includes("updated validator of collection item"), lines.join("\n"));
    assert.ok(lines.includes("created index item.phone (unique phone where set)"), lines.join("\n"));
    await db.collection("item").createIndex({ nick: 1 });
    const clash: Schema = { ...grown, item: { fields: { ...grown.item.fields, nick: { type: "string", unique: true } } } };
    await assert.rejects(run(db, clash), /not unique/);
  });

  withDb("explain(): every hot query of the core and plugins, sent as the adapter sends it, is an index scan", async (db) => {
    const schema = buildSchema([twoFactor(), username(), phoneNumber()]);
    await run(db, schema);
    // A few rows per collection, so the planner has something to choose between.
    for (const model of Object.keys(schema)) {
      const docs = Array.from({ length: 20 }, (_, i) => {
        const doc: Document = { _id: `${model}-${i}` };
        for (const [f, def] of Object.entries(schema[model].fields)) {
          doc[f] =
            def.type === "string"
              ? `${f}-${i}`
              : def.type === "number"
                ? i
                : def.type === "boolean"
                  ? false
                  : new Date(Date.UTC(2100, 0, 1));
        }
        return doc;
      });
      await db.collection(model).insertMany(docs);
    }
    const hot: [string, Where[]][] = [
      ["session", [{ field: "token", value: "token-1" }]],
      ["session", [{ field: "userId", value: "userId-1" }]],
      ["user", [{ field: "email", value: "email-1" }]],
      ["user", [{ field: "id", value: "user-1" }]],
      ["user", [{ field: "username", value: "username-1" }]],
      ["user", [{ field: "phoneNumber", value: "phoneNumber-1" }]],
      [
        "account",
        [
          { field: "userId", value: "userId-1" },
          { field: "providerId", value: "credential" },
        ],
      ],
      ["rateLimit", [{ field: "key", value: "key-1" }]],
      ["verification", [{ field: "identifier", value: "identifier-1" }]],
      ["twoFactor", [{ field: "userId", value: "userId-1" }]],
      ["twoFactorConfirmation", [{ field: "id", value: "twoFactorConfirmation-1" }]],
      [
        "twoFactorBackupCode",
        [
          { field: "userId", value: "userId-1" },
          { field: "generation", value: "generation-1" },
          { field: "usedAt", value: null },
        ],
      ],
      ["twoFactorOtp", [{ field: "id", value: "twoFactorOtp-1" }]],
      ["twoFactorTrustedDevice", [{ field: "trustIdHash", value: "trustIdHash-1" }]],
      [
        "twoFactorTrustedDevice",
        [
          { field: "userId", value: "userId-1" },
          { field: "expiresAt", operator: "gt", value: new Date(0) },
        ],
      ],
    ];
    for (const [model, where] of hot) {
      if (schema[model] === undefined) continue;
      const filter = toFilter(where, partialTypes(schema[model]));
      assert.notEqual(servingIndex(filter, indexesFor(schema[model])), null, `${model} ${JSON.stringify(filter)}: the checker agrees`);
      const plan = await db.collection(model).find(filter).explain("queryPlanner");
      const stages = new Set<string>();
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (typeof v === "object" && v !== null)
          for (const [k, x] of Object.entries(v)) k === "stage" && typeof x === "string" ? stages.add(x) : walk(x);
      };
      walk((plan as Document).queryPlanner?.winningPlan);
      assert.ok(!stages.has("COLLSCAN"), `${model} ${JSON.stringify(filter)}: ${[...stages].join(",")}`);
      assert.ok(
        [...stages].some((st) => /IXSCAN|IDHACK/.test(st)),
        `${model} ${JSON.stringify(filter)}: ${[...stages].join(",")}`,
      );
    }
  });

  withDb("collectionPrefix names every collection", async (db) => {
    await run(db, contractSchema, { collectionPrefix: "auth_" });
    const names = (await db.listCollections().toArray()).map((c) => c.name).sort();
    assert.deepEqual(names, ["auth_challenge", "auth_item", "auth_person"]);
    const store = mongodbAdapter(db, { collectionPrefix: "auth_" }).bind(contractSchema);
    await store.create("item", { id: newId(), name: "p" });
    assert.equal(await db.collection("auth_item").countDocuments(), 1);
  });
});
