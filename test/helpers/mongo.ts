/**
 * A real MongoDB for the suites that need one: MONGODB_URI when set (a failure to reach it fails the
 * run); otherwise a one-member replica set from mongodb-memory-server-core, using only a mongod binary
 * already on the machine (its cache or MONGOMS_SYSTEM_BINARY). Its runtime download is off unless
 * MONGOMS_RUNTIME_DOWNLOAD is set, because nothing may fetch binaries at test time on machines without
 * internet. When neither is available the caller gets `{skip: reason}` and reports its tests as skipped.
 */
import { randomBytes } from "node:crypto";
import type { Db, MongoClient } from "mongodb";
import type { Adapter } from "../../src/adapters/types.js";
import { mongodbAdapter } from "../../src/adapters/mongodb.js";
import { interceptedAdapter } from "./intercept.js";

export type MongoServer = { uri: string; stop: () => Promise<void>; origin: string };

export async function startMongo(): Promise<MongoServer | { skip: string }> {
  const uri = process.env.MONGODB_URI;
  if (uri) return { uri, stop: async () => {}, origin: "MONGODB_URI" };
  const mms = await import("mongodb-memory-server-core").catch(() => undefined);
  if (mms === undefined) return { skip: "MONGODB_URI not set and mongodb-memory-server-core is not installed" };
  process.env.MONGOMS_RUNTIME_DOWNLOAD ??= "false";
  try {
    // Resolve the binary first: it fails quietly, where a failed start also logs a stack trace.
    await mms.MongoBinary.getPath();
    const rs = await mms.MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: "wiredTiger" } });
    return { uri: rs.getUri(), stop: async () => void (await rs.stop()), origin: "mongodb-memory-server replica set" };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const why = /valid binary path/.test(message)
      ? "no mongod binary on this machine, and runtime download is off: no internet to download mongod (MONGOMS_RUNTIME_DOWNLOAD=1 allows it)"
      : message.split("\n")[0];
    return { skip: `MONGODB_URI not set and mongodb-memory-server could not start (${why})` };
  }
}

export const freshDb = (client: MongoClient): Db => client.db(`kernia_t_${randomBytes(6).toString("hex")}`);

/**
 * An adapter over a fresh database whose collections and indexes are made by `generate` (as
 * `kernia generate` would) before the first store operation, so a synchronous init() can use it.
 */
export function generatedMongoAdapter(client: MongoClient, databases: Db[]): Adapter {
  const db = freshDb(client);
  databases.push(db);
  const inner = mongodbAdapter(db);
  return {
    name: inner.name,
    generate: inner.generate?.bind(inner),
    bind(schema, env) {
      const ready = inner.generate!(schema, { log: () => {} });
      const waiting = interceptedAdapter(inner, "generated", async (_op, _args, run) => {
        await ready;
        return run();
      });
      return waiting.bind(schema, env);
    },
  };
}
