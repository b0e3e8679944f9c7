/**
 * Command capture (issue 10, "Shown by"): the main flows through init() + auth.handler on the MongoDB
 * adapter, with the official driver v7 and v6 building and sending every command for real to a
 * loopback stand-in for mongod (wire-server.ts) that records each command and answers from the memory
 * adapter. Asserted on the command documents themselves:
 * - every filter is servable by an index `kernia generate` creates, by MongoDB's planner rules
 *   (servingIndex in src/adapters/mongodb-schema.ts: leading key field constrained; a partial index
 *   only when the query contains its filter expression);
 * - every write carries writeConcern {w: "majority"};
 * - a delete by id is a single-document delete (limit 1) carrying a txnNumber: a retryable write;
 * - the unique indexes are checked once per collection (listIndexes) before the first write.
 * The per-request command counts are printed as a table and asserted: no request sends more commands
 * than Better Auth 1.7.25 does store operations for it (issue 10's table).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { MongoClient as MongoClient6 } from "mongodb6";
import type { Document } from "mongodb";
import { mongodbAdapter } from "../../src/adapters/mongodb.js";
import { indexesFor, servingIndex } from "../../src/adapters/mongodb-schema.js";
import { buildSchema } from "../../src/auth/schema.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { Client, Clock, PASSWORD, makeAuth, outbox, totpAt, wrongTotp } from "../helpers/two-factor.js";
import { HOUSEKEEPING, WireServer, type Recorded } from "./wire-server.js";

const WRITES = new Set(["insert", "update", "delete", "findAndModify"]);

/** The filters of one command, as the server would plan them. */
function filtersOf(r: Recorded): Document[] {
  const c = r.command;
  switch (r.name) {
    case "find":
      return [c.filter ?? {}];
    case "findAndModify":
      return [c.query ?? {}];
    case "delete":
    case "update":
      return (c[r.name === "delete" ? "deletes" : "updates"] as Document[]).map((d) => d.q);
    case "aggregate":
      return [((c.pipeline as Document[])[0]?.$match as Document) ?? {}];
    default:
      return [];
  }
}

const isIdEquality = (q: Document) => Object.keys(q).length === 1 && q._id !== undefined && Object.keys(q._id).join() === "$eq";

for (const [major, Driver] of [
  [7, MongoClient],
  [6, MongoClient6 as unknown as typeof MongoClient],
] as const) {
  describe(`command capture (driver ${major})`, () => {
    const clock = new Clock();
    const schema = buildSchema([twoFactor()]);
    const server = new WireServer(schema, clock.now);
    let client: MongoClient;
    const rows: { request: string; commands: number; names: string }[] = [];

    before(async () => {
      client = new Driver(await server.start(), { heartbeatFrequencyMS: 60_000 });
    });
    after(async () => {
      console.log(`\ncommands per request, driver ${major} (listIndexes: once per collection and process, not counted)`);
      console.table(rows);
      await client.close();
      await server.stop();
    });

    /** Runs one request and returns the application commands it sent. */
    async function capture(request: string, send: () => Promise<{ status: number }>, expectStatus = 200): Promise<Recorded[]> {
      const from = server.recorded.length;
      const reply = await send();
      assert.equal(reply.status, expectStatus, `${request}: status`);
      const sent = server.recorded.slice(from).filter((r) => !HOUSEKEEPING.has(r.name));
      const counted = sent.filter((r) => r.name !== "listIndexes");
      rows.push({ request, commands: counted.length, names: counted.map((r) => `${r.name}(${r.collection})`).join(" ") });
      return sent;
    }

    function checkCommands(sent: readonly Recorded[]): void {
      for (const r of sent) {
        const plans = indexesFor(schema[r.collection!]);
        for (const filter of filtersOf(r)) {
          assert.notEqual(servingIndex(filter, plans), null, `${r.name} on ${r.collection}: no index serves ${JSON.stringify(filter)}`);
        }
        if (WRITES.has(r.name))
          assert.deepEqual(r.command.writeConcern, { w: "majority", wtimeout: 5000 }, `${r.name} on ${r.collection}: write concern`);
        if (r.name === "delete") {
          for (const d of r.command.deletes as Document[]) {
            if (isIdEquality(d.q)) {
              assert.equal(Number(d.limit), 1, `delete by id on ${r.collection} is single-document`);
              assert.notEqual(r.command.txnNumber, undefined, `delete by id on ${r.collection} is a retryable write`);
            }
          }
        }
      }
    }

    test("main flows: every filter on an index, majority writes, by-id deletes retryable", async () => {
      const box = outbox();
      const { auth } = makeAuth({ clock, box, database: mongodbAdapter(client.db("kernia")) });
      const all: Recorded[] = [];
      const run = async (request: string, send: () => Promise<{ status: number }>, status = 200) => {
        const sent = await capture(request, send, status);
        all.push(...sent);
        return sent;
      };
      const browser = new Client(auth);
      const email = `capture${major}@example.com`;
      await run("sign-up/email", () => browser.post("/sign-up/email", { name: "Cap", email, password: PASSWORD }));
      await run("get-session", () => browser.get("/get-session"));
      await run("sign-out", () => browser.post("/sign-out", {}));
      await run("sign-in/email, no 2FA", () => browser.post("/sign-in/email", { email, password: PASSWORD }));
      let uri = "";
      await run("two-factor/enable", async () => {
        const r = await browser.post("/two-factor/enable", { password: PASSWORD });
        uri = r.body.totpURI;
        return r;
      });
      await run("verify-totp, enrolment", () => browser.post("/two-factor/verify-totp", { code: totpAt(uri, clock) }));
      clock.advance(30);
      await run("sign-out", () => browser.post("/sign-out", {}));
      await run("sign-in/email, 2FA user", () => browser.post("/sign-in/email", { email, password: PASSWORD }));
      await run("verify-totp on a challenge, wrong", () => browser.post("/two-factor/verify-totp", { code: wrongTotp(uri, clock) }), 401);
      await run("verify-totp on a challenge, right, trust device", () =>
        browser.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true }),
      );
      clock.advance(30);
      await run("sign-out", () => browser.post("/sign-out", {}));
      await run("sign-in/email, trusted device", () => browser.post("/sign-in/email", { email, password: PASSWORD }));
      await run("two-factor/trusted-devices", () => browser.get("/two-factor/trusted-devices"));

      const other = new Client(auth);
      await run("sign-in/email, 2FA user (2)", () => other.post("/sign-in/email", { email, password: PASSWORD }));
      await run("two-factor/send-otp", () => other.post("/two-factor/send-otp", {}));
      await run("two-factor/verify-otp", () => other.post("/two-factor/verify-otp", { code: box.last() }));
      const third = new Client(auth);
      await run("sign-in/email, 2FA user (3)", () => third.post("/sign-in/email", { email, password: PASSWORD }));
      let backup = "";
      await run("generate-backup-codes", async () => {
        const r = await other.post("/two-factor/generate-backup-codes", { password: PASSWORD });
        backup = r.body.backupCodes[0];
        return r;
      });
      await run("verify-backup-code", () => third.post("/two-factor/verify-backup-code", { code: backup }));
      await run("two-factor/disable", () => other.post("/two-factor/disable", { password: PASSWORD }));

      checkCommands(all);
      // The fail-closed check: one listIndexes per collection with a unique field, before its first write.
      const listed = all.filter((r) => r.name === "listIndexes").map((r) => r.collection);
      assert.deepEqual([...new Set(listed)].sort(), listed.slice().sort(), "each collection's indexes are read once");
      for (const model of ["user", "session", "twoFactor"]) assert.ok(listed.includes(model), `${model} checked`);
      // The optional-unique rule in action is covered in the filter unit test below; here every filter passed.
    });

    test("a request whose store fails part way: its by-id undo is a retryable single-document delete", async () => {
      const { auth } = makeAuth({ clock, database: mongodbAdapter(client.db("kernia")) });
      const browser = new Client(auth);
      const email = `fails${major}@example.com`;
      // The account insert fails on the server (a validation error, not an outage): sign-up answers 500
      // and removes the user it created.
      server.failNext = {
        name: "insert",
        collection: "account",
        error: { code: 121, codeName: "DocumentValidationFailure", errmsg: "Document failed validation" },
      };
      const original = console.error;
      console.error = () => {};
      let sent: Recorded[];
      try {
        sent = await capture(
          "sign-up/email, account insert fails",
          () => browser.post("/sign-up/email", { name: "F", email, password: PASSWORD }),
          500,
        );
      } finally {
        console.error = original;
      }
      checkCommands(sent);
      const undo = sent.find((r) => r.name === "delete" && r.collection === "user");
      assert.ok(undo, sent.map((r) => r.name).join(","));
      const [d] = undo.command.deletes as Document[];
      assert.ok(isIdEquality(d.q));
      assert.equal(Number(d.limit), 1);
      assert.notEqual(undo.command.txnNumber, undefined);
      assert.equal(await auth.context.store.findOne("user", [{ field: "email", value: email }]), null, "no orphan user blocks the email");
      // The email can be used again.
      assert.equal((await new Client(auth).post("/sign-up/email", { name: "F", email, password: PASSWORD })).status, 200);
    });

    test("without the unique index on user.email, sign-up is refused (fail closed), naming the index and kernia generate", async () => {
      const db = client.db(`kernia_noindex_${major}`);
      server.withoutIndexes.add("user");
      const logged: string[] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
      try {
        const { auth } = makeAuth({ clock, database: mongodbAdapter(db) });
        const sent = await capture(
          "sign-up/email, no unique index",
          () => new Client(auth).post("/sign-up/email", { name: "N", email: `noindex${major}@example.com`, password: PASSWORD }),
          500,
        );
        assert.deepEqual(
          sent.filter((r) => r.name === "insert"),
          [],
          "nothing was inserted",
        );
        assert.ok(
          logged.some((l) => /lacks the unique index on email \(kernia_email_unique\).*kernia generate/.test(l)),
          logged.join("\n"),
        );
      } finally {
        console.error = original;
        server.withoutIndexes.delete("user");
      }
    });

    test("no request sends more commands than Better Auth 1.7.25 does store operations", () => {
      const count = (request: string) => rows.find((r) => r.request === request)?.commands;
      // Better Auth 1.7.25, same requests (issue 10's table; its right code is without a trusted
      // device, so Kernia's row with one is held to the same 11).
      for (const [request, betterAuth] of [
        ["sign-up/email", 4],
        ["get-session", 1],
        ["two-factor/enable", 5],
        ["verify-totp, enrolment", 7],
        ["sign-out", 4],
        ["sign-in/email, 2FA user", 7],
        ["verify-totp on a challenge, wrong", 10],
        ["verify-totp on a challenge, right, trust device", 11],
      ] as const) {
        assert.ok(count(request)! <= betterAuth, `${request}: ${count(request)} commands, Better Auth does ${betterAuth}`);
      }
    });
  });
}

describe("filters on optional unique fields carry the partial index's $type", () => {
  test("username and phoneNumber equalities are servable; without $type they would not be", async () => {
    const { toFilter } = await import("../../src/adapters/mongodb-mapping.js");
    const { partialTypes } = await import("../../src/adapters/mongodb-schema.js");
    const def = {
      fields: { username: { type: "string" as const, unique: true }, email: { type: "string" as const, unique: true, required: true } },
    };
    const plans = indexesFor(def);
    const typed = toFilter([{ field: "username", value: "bob" }], partialTypes(def));
    assert.deepEqual(typed, { username: { $eq: "bob", $type: "string" } });
    assert.equal(servingIndex(typed, plans), "kernia_username_unique");
    assert.equal(servingIndex(toFilter([{ field: "username", value: "bob" }]), plans), null, "the planner would scan without it");
    assert.deepEqual(
      toFilter([{ field: "username", value: null }], partialTypes(def)),
      { username: { $eq: null } },
      "null keeps MongoDB's null semantics",
    );
    assert.equal(servingIndex(toFilter([{ field: "email", value: "a@b" }], partialTypes(def)), plans), "kernia_email_unique");
  });
});
