/**
 * Issue 11 item 1: the client address the rate limiter keys on and session rows record. Headers are
 * the client's text unless a trusted proxy wrote them; only valid IPs count; IPv6 is bucketed by /64;
 * mapped IPv4 is IPv4; a request with no usable address never shares a bucket with every other one.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import request from "supertest";
import { expressApp } from "../helpers/server.js";
import { BASE_URL, ORIGIN, WIRE_SECRET, testAuth } from "../helpers/auth.js";
import { CAPTURED_AT, Clock } from "../helpers/clock.js";
import { coreHandler } from "../../src/auth/init.js";
import { addressSettings, parseIp, resolveClientAddress } from "../../src/auth/client-address.js";
import type { Kernia, KerniaOptions } from "../../src/auth/types.js";

function limited(advanced: KerniaOptions["advanced"] = {}): Kernia {
  const clock = new Clock(CAPTURED_AT);
  clock.ms = Math.ceil(clock.ms / 60_000) * 60_000; // start of a window
  return testAuth({ rateLimit: { enabled: true }, advanced }, clock);
}

const signInBody = { email: "nobody@example.com", password: "password1234" };

/** n sign-ins through Express (the socket's peer is 127.0.0.1); `xff(i)` gives each one's header. */
async function expressSignIns(auth: Kernia, n: number, xff: (i: number) => string | undefined): Promise<number[]> {
  const app = expressApp(auth);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = request(app).post("/api/auth/sign-in/email").set("origin", ORIGIN);
    const h = xff(i);
    if (h !== undefined) r.set("x-forwarded-for", h);
    out.push((await r.send(signInBody)).status);
  }
  return out;
}

function fetchSignIn(auth: Kernia, remoteAddress: string | undefined, headers: Record<string, string> = {}) {
  return auth.handler(
    new Request(`${BASE_URL}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN, ...headers },
      body: JSON.stringify(signInBody),
    }),
    { remoteAddress },
  );
}

const passed = (statuses: number[]) => statuses.filter((s) => s !== 429).length;

describe("client address: headers", () => {
  test("no trusted proxy: a rotated X-Forwarded-For gets no more than 3 sign-ins per window", async () => {
    const statuses = await expressSignIns(limited(), 12, (i) => `198.51.100.${i + 1}`);
    assert.equal(passed(statuses), 3, statuses.join(","));
  });

  test("no trusted proxy: a spoofed header never names the bucket (the socket's peer does)", async () => {
    const auth = limited();
    await expressSignIns(auth, 3, () => "203.0.113.50");
    // A different real client (here: the same socket address, so the same bucket) is refused...
    assert.deepEqual(await expressSignIns(auth, 1, () => undefined), [429]);
  });

  test("one trusted hop: the entry the proxy appended wins, whatever the client put in front", async () => {
    const auth = limited({ ipAddress: { trustedProxies: 1 } });
    const statuses = await expressSignIns(auth, 12, (i) => `10.9.${i}.1, 203.0.113.7`);
    assert.equal(passed(statuses), 3, statuses.join(","));
    // Another address appended by the proxy is another client.
    assert.equal(passed(await expressSignIns(auth, 1, () => "203.0.113.8")), 1);
  });

  test("trusted proxy list: entries from listed proxies are skipped, the first other one is the client", async () => {
    const auth = limited({ ipAddress: { trustedProxies: ["127.0.0.1", "10.0.0.0/8"] } });
    const statuses = await expressSignIns(auth, 12, (i) => `192.0.2.${i}, 203.0.113.7, 10.1.2.3`);
    assert.equal(passed(statuses), 3, statuses.join(","));
    // A peer that is not listed is the client itself, its header ignored.
    const other = limited({ ipAddress: { trustedProxies: ["10.0.0.0/8"] } });
    assert.equal(passed(await expressSignIns(other, 12, (i) => `192.0.2.${i}`)), 3);
  });

  test("invalid entries never become keys: a rotated garbage header does not get past the budget", async () => {
    const auth = limited({ ipAddress: { trustedProxies: 1 } });
    const junk = ["garbage", "999.1.1.1", "1.2.3.4.5", "x".repeat(300), "", "<script>", "1.2.3.4 ; drop"];
    const statuses = await expressSignIns(auth, 12, (i) => junk[i % junk.length] + "-" + i);
    // No usable address: one key per connection (supertest opens a new one per request, so each may
    // pass), but never a bucket the garbage text names, and no stored key quotes the header.
    const rows = await auth.context.store.findMany("rateLimit", []);
    for (const r of rows) assert.match(String(r.key), /^connection:\d+\|\/sign-in\/email\|\d+$/);
    assert.ok(statuses.every((s) => s === 401 || s === 429));
  });
});

describe("client address: buckets", () => {
  test("IPv6: addresses of one /64 share a bucket, another /64 does not; the prefix is configurable", async () => {
    const auth = limited();
    const same = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9", "2001:DB8:1:2:0:0:0:abc"];
    const statuses = [];
    for (const a of same) statuses.push((await fetchSignIn(auth, a)).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    assert.equal((await fetchSignIn(auth, "2001:db8:1:3::1")).status, 401);

    const per128 = limited({ ipAddress: { ipv6Subnet: 128 } });
    const full = [];
    for (const a of same) full.push((await fetchSignIn(per128, a)).status);
    assert.deepEqual(full, [401, 401, 401, 401]);
  });

  test("IPv4-mapped IPv6 and IPv4 are one client", async () => {
    const auth = limited();
    const statuses = [];
    for (const a of ["198.51.100.4", "::ffff:198.51.100.4", "::FFFF:c633:6404", "[::ffff:198.51.100.4]:443"]) {
      statuses.push((await fetchSignIn(auth, a)).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  });

  test("no usable address: each connection its own key, never one shared 'no-ip' bucket", async () => {
    const auth = limited({ ipAddress: { trustedProxies: 1 } });
    const core = coreHandler(auth)!;
    const send = (connection: object) =>
      core.handle({
        method: "POST",
        url: `${BASE_URL}/api/auth/sign-in/email`,
        headers: new Headers({ "content-type": "application/json", origin: ORIGIN, "x-forwarded-for": "not-an-ip" }),
        body: new TextEncoder().encode(JSON.stringify(signInBody)),
        connection,
      });
    const a = {};
    const first = [];
    for (let i = 0; i < 4; i++) first.push((await send(a)).status);
    assert.deepEqual(first, [401, 401, 401, 429]);
    assert.equal((await send({})).status, 401, "another connection is not throttled by the first one");
  });

  test("a bare Fetch Request (no address passed, no trusted proxy) is not limited and stores nothing", async () => {
    const auth = limited();
    for (let i = 0; i < 6; i++) assert.equal((await fetchSignIn(auth, undefined, { "x-forwarded-for": "203.0.113.1" })).status, 401);
    assert.equal(await auth.context.store.count("rateLimit", []), 0);
    // With a trusted hop, the platform that built the Request is that hop: its appended entry counts.
    const behind = limited({ ipAddress: { trustedProxies: 1 } });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await fetchSignIn(behind, undefined, { "x-forwarded-for": `10.0.0.${i}, 203.0.113.1` })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  });

  test("disableIpTracking: no limiter key, no address on the session row", async () => {
    const auth = limited({ ipAddress: { disableIpTracking: true } });
    for (let i = 0; i < 5; i++) assert.equal((await fetchSignIn(auth, "198.51.100.1")).status, 401);
    assert.equal(await auth.context.store.count("rateLimit", []), 0);
  });
});

describe("client address: session rows and options", () => {
  function signed(value: string): string {
    return encodeURIComponent(`${value}.${createHmac("sha256", WIRE_SECRET).update(value).digest("base64")}`);
  }

  async function sessionIp(options: KerniaOptions, xff: string): Promise<string> {
    const auth = testAuth(options);
    const app = expressApp(auth);
    const up = await request(app)
      .post("/api/auth/sign-up/email")
      .set("origin", ORIGIN)
      .set("x-forwarded-for", xff)
      .send({ name: "A", email: "a@example.com", password: "password1234" });
    assert.equal(up.status, 200);
    const got = await request(app)
      .get("/api/auth/get-session")
      .set("cookie", `better-auth.session_token=${signed(up.body.token)}`);
    return got.body.session.ipAddress;
  }

  test("session ipAddress uses the same resolution as the limiter", async () => {
    assert.equal(await sessionIp({}, "6.6.6.6"), "127.0.0.1");
    assert.equal(await sessionIp({ advanced: { ipAddress: { trustedProxies: 1 } } }, "6.6.6.6, 203.0.113.9"), "203.0.113.9");
    assert.equal(
      await sessionIp({ advanced: { ipAddress: { trustedProxies: 1 } } }, "2001:db8:1:2::77"),
      "2001:0db8:0001:0002:0000:0000:0000:0000",
    );
  });

  test("configuration mistakes are init errors, with the way out in the message", () => {
    // The old key is refused at init (and no longer type-checks), naming where it went.
    // @ts-expect-error: advanced.ipAddressHeaders moved to advanced.ipAddress
    assert.throws(() => testAuth({ advanced: { ipAddressHeaders: ["x-real-ip"] } }), /ipAddressHeaders.*ipAddress/);
    assert.throws(() => testAuth({ advanced: { ipAddress: { ipAddressHeaders: ["x-real-ip"] } } }), /read only from proxies you trust/);
    assert.throws(() => testAuth({ advanced: { ipAddress: { trustedProxies: ["10.0.0.0/33"] } } }), /not an IP address or CIDR/);
    assert.throws(() => testAuth({ advanced: { ipAddress: { trustedProxies: ["proxy.internal"] } } }), /not an IP address or CIDR/);
    assert.throws(() => testAuth({ advanced: { ipAddress: { trustedProxies: -1 } } }), /hop count/);
    assert.throws(() => testAuth({ advanced: { ipAddress: { ipv6Subnet: 129 } } }), /ipv6Subnet/);
    // A single-value header set by the proxy (x-real-ip), with one trusted hop.
    const s = addressSettings({ ipAddress: { trustedProxies: 1, ipAddressHeaders: ["X-Real-IP"] } });
    assert.equal(
      resolveClientAddress(s, new Headers({ "x-real-ip": "203.0.113.3", "x-forwarded-for": "1.1.1.1" }), "10.0.0.1"),
      "203.0.113.3",
    );
  });

  test("parsing: valid IPs only, mapped folded, ports and zones dropped", () => {
    assert.deepEqual(parseIp("::ffff:1.2.3.4"), Uint8Array.of(1, 2, 3, 4));
    assert.deepEqual(parseIp("1.2.3.4:8080"), Uint8Array.of(1, 2, 3, 4));
    assert.equal(parseIp("fe80::1%eth0")?.length, 16);
    for (const bad of ["", "1.2.3", "01.2.3.4x", "::g", "[::1", "1.2.3.4:99999", "localhost", "unknown"])
      assert.equal(parseIp(bad), null, bad);
  });
});
