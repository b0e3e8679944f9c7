/**
 * The store contract on the MongoDB adapter through the real driver (v7 and v6), against the loopback
 * mongod stand-in of wire-server.ts: every contract test's commands are built and serialized by the
 * driver and answered from a memory store per database. It checks the adapter's command shapes and
 * reply handling (duplicate keys, upsert collisions, ordered insertMany, findOneAndUpdate results,
 * $lookup) on every run, where test/store/mongodb.test.ts needs a real server.
 */
import { after, before } from "node:test";
import { randomBytes } from "node:crypto";
import { MongoClient } from "mongodb";
import { MongoClient as MongoClient6 } from "mongodb6";
import { mongodbAdapter } from "../../src/adapters/mongodb.js";
import { contractSchema, storeContract } from "./contract.js";
import { WireServer } from "./wire-server.js";

const server = new WireServer(contractSchema, Date.now);
const clients: MongoClient[] = [];
before(async () => {
  const uri = await server.start();
  clients.push(
    new MongoClient(uri, { heartbeatFrequencyMS: 60_000 }),
    new MongoClient6(uri, { heartbeatFrequencyMS: 60_000 }) as unknown as MongoClient,
  );
});
after(async () => {
  for (const c of clients) await c.close();
  await server.stop();
});

for (const [i, major] of [7, 6].entries()) {
  storeContract(`mongodb adapter over driver ${major} (wire stand-in)`, async () => ({
    store: mongodbAdapter(clients[i].db(`kernia_c_${randomBytes(6).toString("hex")}`)).bind(contractSchema),
    cleanup: async () => {},
  }));
}
