/**
 * toNodeHandler's direct path (no Fetch Request/Response) against the Fetch path it replaced: the same
 * instance served both ways must answer every request with the same status, header lines in the same
 * order, Set-Cookie lines and body bytes. And ctx.request, now built on demand, still carries the
 * request's method, URL, headers and body.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { startServer } from "../helpers/server.js";
import { BASE_URL, ORIGIN, signUp, testAuth } from "../helpers/auth.js";
import type { Kernia, Plugin } from "../../src/auth/types.js";
import { toNodeHandler } from "../../src/integrations/node.js";

interface Raw {
  status: number;
  /** Header lines as sent, minus Date (it changes between the two answers). */
  headers: string[];
  body: string;
}

function send(url: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const lines: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i].toLowerCase() !== "date") lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        resolve({ status: res.statusCode ?? 0, headers: lines, body: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("toNodeHandler direct path", () => {
  test("same wire answer as the Fetch path for successes, errors, 404s and body refusals", async () => {
    const auth = testAuth({ advanced: { maxBodySize: 200 } });
    const { cookie, status } = await signUp(auth);
    assert.equal(status, 200);
    const direct = await startServer(auth);
    // A copy whose handler is a new function: toNodeHandler cannot find its core and uses the Fetch path.
    const viaFetch: Kernia = { ...auth, handler: (r: Request) => auth.handler(r) };
    const fetchPath = await startServer(toNodeHandler(viaFetch));
    const json = { "content-type": "application/json", origin: ORIGIN };
    const cases: [string, string, Record<string, string>, string?][] = [
      ["GET", "/api/auth/get-session", { cookie }],
      ["GET", "/api/auth/get-session?disableRefresh=true", { cookie: `${cookie}; better-auth.session_data=x` }],
      ["GET", "/api/auth/get-session", {}],
      ["GET", "/api/auth/get-session", { cookie: "better-auth.session_token=forged.c2ln" }],
      ["POST", "/api/auth/get-session", json, "{}"],
      ["GET", "/api/auth/nope", {}],
      ["OPTIONS", "/api/auth/get-session", {}],
      ["GET", "/elsewhere", {}],
      ["POST", "/api/auth/sign-in/email", json, JSON.stringify({ email: "alice@example.com", password: "wrong-pass1" })],
      ["POST", "/api/auth/sign-in/email", json, "{not json"],
      ["POST", "/api/auth/sign-in/email", { ...json, "content-type": "text/plain" }, "{}"],
      ["POST", "/api/auth/sign-in/email", json, JSON.stringify({ email: "alice@example.com", password: "x".repeat(300) })],
      ["POST", "/api/auth/sign-in/email", json, JSON.stringify({ email: 5 })],
      ["POST", "/api/auth/sign-in/email", { ...json, origin: "https://evil.example" }, "{}"],
      ["POST", "/api/auth/sign-up/email", json, JSON.stringify({ name: "A", email: "alice@example.com", password: "password1234" })],
      ["POST", "/api/auth/sign-out", { origin: ORIGIN }],
    ];
    try {
      for (const [method, path, headers, body] of cases) {
        const a = await send(direct.url, method, path, headers, body);
        const b = await send(fetchPath.url, method, path, headers, body);
        assert.deepEqual(a, b, `${method} ${path} ${body ?? ""}`);
      }
      // The two paths really differ in what they did: the fixture is not comparing a server with itself.
      const ok = await send(direct.url, "GET", "/api/auth/get-session", { cookie });
      assert.equal(ok.status, 200);
      assert.equal(JSON.parse(ok.body).user.email, "alice@example.com");
      assert.ok(ok.headers.includes("cache-control: no-store"));
      const tooBig = await send(
        direct.url,
        "POST",
        "/api/auth/sign-in/email",
        json,
        JSON.stringify({ email: "alice@example.com", password: "x".repeat(300) }),
      );
      assert.equal(tooBig.status, 413);
      assert.equal(JSON.parse(tooBig.body).code, "PAYLOAD_TOO_LARGE");
    } finally {
      await direct.close();
      await fetchPath.close();
    }
  });

  test("ctx.request is built on first access with the method, URL, headers and body", async () => {
    const seen: { method: string; url: string; custom: string | null; body: string; same: boolean }[] = [];
    const probe: Plugin = {
      id: "probe",
      endpoints: {
        probe: {
          method: "POST",
          path: "/probe",
          body: { n: { type: "number" } },
          async handler(ctx) {
            const r = ctx.request;
            seen.push({
              method: r.method,
              url: r.url,
              custom: r.headers.get("x-custom"),
              body: r.bodyUsed ? "(read)" : await r.text(),
              same: ctx.request === r,
            });
            return { n: ctx.body.n };
          },
        },
      },
    };
    const origins: string[] = [];
    const auth = testAuth({
      plugins: [probe],
      trustedOrigins: (request) => {
        if (request) origins.push(`${request.method} ${new URL(request.url).pathname}`);
        return [];
      },
    });
    const server = await startServer(auth);
    try {
      const body = JSON.stringify({ n: 7 });
      const res = await send(
        server.url,
        "POST",
        "/api/auth/probe?x=1",
        { "content-type": "application/json", origin: ORIGIN, "x-custom": "v" },
        body,
      );
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(JSON.parse(res.body), { n: 7 });
      assert.deepEqual(seen, [{ method: "POST", url: `${server.url}/api/auth/probe?x=1`, custom: "v", body, same: true }]);
      assert.deepEqual(origins, ["POST /api/auth/probe"]);

      // auth.handler passes the caller's own Request through; auth.api gets a synthetic one.
      seen.length = 0;
      const request = new Request(`${BASE_URL}/api/auth/probe`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN },
        body,
      });
      assert.equal((await auth.handler(request)).status, 200);
      assert.equal(seen[0].url, request.url);
      assert.equal(seen[0].body, "(read)"); // the pipeline read the caller's own body stream
      seen.length = 0;
      assert.deepEqual(await auth.api.probe({ body: { n: 3 }, headers: { "x-custom": "api" } }), { n: 3 });
      assert.equal(seen[0].url, `${BASE_URL}/api/auth/probe`);
      assert.equal(seen[0].custom, "api");
    } finally {
      await server.close();
    }
  });
});
