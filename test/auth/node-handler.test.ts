/** toNodeHandler over plain node:http: URL reconstruction, multiple Set-Cookie lines, failures contained. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { expressApp, startServer } from "../helpers/server.js";
import { testAuth } from "../helpers/auth.js";
import type { Kernia, Plugin } from "../../src/auth/types.js";

describe("toNodeHandler", () => {
  test("every Set-Cookie line survives (rememberMe:false sign-up gives two)", async () => {
    const auth = testAuth();
    const server = await startServer(auth);
    try {
      const res = await fetch(`${server.url}/api/auth/sign-up/email`, {
        method: "POST",
        // Node's fetch sends Sec-Fetch-Mode: cors, so the login CSRF guard wants a trusted Origin.
        headers: { "content-type": "application/json", origin: "http://localhost:3000" },
        body: JSON.stringify({ name: "N", email: "n@example.com", password: "password1234", rememberMe: false }),
      });
      assert.equal(res.status, 200);
      const lines = res.headers.getSetCookie();
      assert.equal(lines.length, 2);
      assert.match(lines[0], /^better-auth\.session_token=/);
      assert.match(lines[1], /^better-auth\.dont_remember=/);
    } finally {
      await server.close();
    }
  });

  test("request URL from Host and x-forwarded-proto; query strings reach the endpoint", async () => {
    const seen: string[] = [];
    const spy: Plugin = {
      id: "spy",
      hooks: { before: [{ matches: () => true, handler: async (ctx) => void seen.push(ctx.request.url) }] },
    };
    const auth = testAuth({ plugins: [spy] });
    const server = await startServer(auth);
    try {
      // fetch cannot set Host: use node:http.
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          `${server.url}/api/auth/get-session?disableRefresh=true`,
          {
            headers: { host: "auth.example.com", "x-forwarded-proto": "https" },
          },
          (res) => res.resume().on("end", resolve),
        );
        req.on("error", reject);
        req.end();
      });
      await fetch(`${server.url}/api/auth/get-session`);
      assert.equal(seen[0], "https://auth.example.com/api/auth/get-session?disableRefresh=true");
      assert.match(seen[1], /^http:\/\/127\.0\.0\.1:\d+\/api\/auth\/get-session$/);
    } finally {
      await server.close();
    }
  });

  test("a body stream another middleware already drained does not hang the request", async () => {
    const auth = testAuth();
    const app = expressApp(auth, (a) =>
      a.use((req, _res, next) => {
        req.resume();
        req.on("end", () => next());
      }),
    );
    const server = await startServer(app);
    try {
      const res = await fetch(`${server.url}/api/auth/sign-out`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { success: true });
    } finally {
      await server.close();
    }
  });

  test("a handler that throws becomes a 500 JSON answer, never an unhandled rejection", async () => {
    const broken = {
      handler: async () => {
        throw new Error("broken");
      },
      context: { options: {} },
    } as unknown as Kernia;
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => void rejections.push(e);
    process.on("unhandledRejection", onRejection);
    const error = console.error;
    console.error = () => {};
    const server = await startServer(broken);
    try {
      const res = await fetch(`${server.url}/api/auth/get-session`);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { message: "Internal server error", code: "INTERNAL_SERVER_ERROR" });
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(rejections, []);
    } finally {
      console.error = error;
      process.off("unhandledRejection", onRejection);
      await server.close();
    }
  });
});
