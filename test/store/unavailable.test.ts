/**
 * An unreachable MongoDB: a real driver client (v7 and v6) pointed at a local port where nothing
 * listens, through init() and the handler. Every request answers 503 {message, code} within the bound
 * docs/mongodb.md states (the first operation's 5 s time limit, then 1 s per further operation while
 * the store stays unavailable, for the request's few undo steps), never a 500 and never a hang.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:net";
import { MongoClient } from "mongodb";
import { MongoClient as MongoClient6 } from "mongodb6";
import { init } from "../../src/auth/init.js";
import { mongodbAdapter } from "../../src/adapters/mongodb.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { BASE_URL, ORIGIN, WIRE_SECRET } from "../helpers/auth.js";

/** A session cookie value signed with the instance's secret, so get-session goes on to the store. */
function signedToken(token: string): string {
  return encodeURIComponent(`${token}.${createHmac("sha256", WIRE_SECRET).update(token).digest("base64")}`);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The documented bound with defaults: 5 s for the first operation + 1 s for each of at most 4 more, plus a margin for a loaded machine. */
const BOUND_MS = 5000 + 4 * 1000 + 5000;

const clients: { close(): Promise<void> }[] = [];
after(async () => {
  for (const c of clients) await c.close();
});

for (const [major, Client] of [
  [7, MongoClient],
  [6, MongoClient6 as unknown as typeof MongoClient],
] as const) {
  describe(`unreachable MongoDB (driver ${major})`, () => {
    test("sign-up, sign-in and get-session answer 503 SERVICE_UNAVAILABLE with a body, within the bound", async () => {
      const client = new Client(`mongodb://127.0.0.1:${await closedPort()}/?directConnection=true`);
      clients.push(client);
      const auth = init({
        database: mongodbAdapter(client.db("kernia_down")),
        secret: WIRE_SECRET,
        baseURL: BASE_URL,
        plugins: [twoFactor()],
      });
      const errors: unknown[][] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => void errors.push(args);
      try {
        const post = (path: string, body: unknown) =>
          auth.handler(
            new Request(`${BASE_URL}/api/auth${path}`, {
              method: "POST",
              headers: { "content-type": "application/json", origin: ORIGIN },
              body: JSON.stringify(body),
            }),
          );
        for (const send of [
          () => post("/sign-up/email", { name: "A", email: "a@example.com", password: "password1234" }),
          () => post("/sign-in/email", { email: "a@example.com", password: "password1234" }),
          () =>
            auth.handler(
              new Request(`${BASE_URL}/api/auth/get-session`, {
                headers: { cookie: `better-auth.session_token=${signedToken("t".repeat(32))}` },
              }),
            ),
        ]) {
          const started = Date.now();
          const res = await send();
          const elapsed = Date.now() - started;
          assert.equal(res.status, 503);
          assert.deepEqual(await res.json(), {
            message: "The authentication service is temporarily unavailable. Try again shortly.",
            code: "SERVICE_UNAVAILABLE",
          });
          assert.equal(res.headers.get("retry-after"), "5");
          assert.ok(elapsed < BOUND_MS, `answered after ${elapsed} ms`);
        }
        // Logged as one line each, naming the cause, never a stack trace.
        assert.ok(errors.length >= 3);
        for (const line of errors) {
          assert.equal(line.length, 1);
          assert.match(String(line[0]), /^kernia: .*store unavailable/);
        }
      } finally {
        console.error = original;
      }
    });

    test("a server-side call (auth.api) rejects with a 503 APIError", async () => {
      const client = new Client(`mongodb://127.0.0.1:${await closedPort()}/?directConnection=true`);
      clients.push(client);
      const auth = init({ database: mongodbAdapter(client.db("kernia_down"), { timeoutMS: 500 }), secret: WIRE_SECRET, baseURL: BASE_URL });
      const original = console.error;
      console.error = () => {};
      try {
        await assert.rejects(
          auth.api.signInEmail({ body: { email: "a@example.com", password: "password1234" } }),
          (e: unknown) =>
            (e as { statusCode?: number }).statusCode === 503 && (e as { body?: { code?: string } }).body?.code === "SERVICE_UNAVAILABLE",
        );
      } finally {
        console.error = original;
      }
    });
  });
}
