/**
 * The two-factor security suite (security-suite.ts: single-use backup codes and challenges under 100
 * concurrent requests, TOTP replay, attempt caps, lockout counters, the OTP send cap) with every auth
 * instance on a real MongoDB, so the rules are shown to hold as single server-side operations, not only
 * in memory. Server: test/helpers/mongo.ts. Without one, one line says why and the suite is reported as skipped.
 */
import { after, test } from "node:test";
import { MongoClient, type Db } from "mongodb";
import { generatedMongoAdapter, startMongo } from "../helpers/mongo.js";
import { securitySuite } from "./security-suite.js";

const server = await startMongo();
if ("skip" in server) {
  console.log(`mongodb: skipped: ${server.skip}`);
  test("two-factor security rules on MongoDB", { skip: server.skip }, () => {});
} else {
  const client = await new MongoClient(server.uri, { serverSelectionTimeoutMS: 10_000 }).connect();
  const databases: Db[] = [];
  after(async () => {
    for (const db of databases) await db.dropDatabase().catch(() => {});
    await client.close();
    await server.stop();
  });
  console.log(`mongodb: two-factor security suite on ${server.origin}`);
  securitySuite(() => generatedMongoAdapter(client, databases));
}
