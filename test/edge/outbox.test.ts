/**
 * Issue 11 item 10 / deliver 8: the demo's development outbox (every user's sign-in codes) is served
 * only to this machine unless explicitly opened, and never exists in production mode.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { networkInterfaces } from "node:os";
import { createDemoApp, type DemoApp } from "../../example/app.js";
import { isLoopbackAddress } from "../../example/outbox.js";
import { memoryAdapter } from "../../src/adapters/memory.js";

/** GET over plain node:http, so the Host header and the address connected to are ours to choose. */
function get(address: string, port: number, path: string, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: address, port, path, headers: host ? { host } : {} }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("error", reject);
    req.end();
  });
}

/** An address of this machine that is not loopback (connecting to it, the peer address is it too). */
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === "IPv4")?.address;

describe("demo outbox", () => {
  let demo: DemoApp;
  let port: number;
  before(async () => {
    demo = await createDemoApp({ port: 0, host: "0.0.0.0", database: memoryAdapter(), log: () => undefined });
    port = Number(new URL(demo.url).port);
  });
  after(() => demo?.close());

  test("loopback clients naming a loopback host get it", async () => {
    assert.ok(demo.outbox);
    assert.equal(await get("127.0.0.1", port, "/dev/outbox.json"), 200);
    assert.equal(await get("127.0.0.1", port, "/dev/outbox", `localhost:${port}`), 200);
  });

  test("a loopback connection naming another host (DNS rebinding) gets 404", async () => {
    assert.equal(await get("127.0.0.1", port, "/dev/outbox.json", "attacker.example"), 404);
  });

  test("a client on another address gets 404, whatever its headers say", {
    skip: external ? false : "no non-loopback interface",
  }, async () => {
    assert.equal(await get(external!, port, "/dev/outbox.json"), 404);
    assert.equal(await get(external!, port, "/dev/outbox", "localhost"), 404);
    assert.equal(await get(external!, port, "/"), 200, "the demo page itself is served");
  });

  test("opened with KERNIA_DEMO_OUTBOX=open, every client gets it", { skip: external ? false : "no non-loopback interface" }, async () => {
    const saved = process.env.KERNIA_DEMO_OUTBOX;
    process.env.KERNIA_DEMO_OUTBOX = "open";
    const viaEnv = await createDemoApp({ port: 0, host: "0.0.0.0", database: memoryAdapter(), log: () => undefined });
    try {
      assert.equal(await get(external!, Number(new URL(viaEnv.url).port), "/dev/outbox.json"), 200);
    } finally {
      if (saved === undefined) delete process.env.KERNIA_DEMO_OUTBOX;
      else process.env.KERNIA_DEMO_OUTBOX = saved;
      await viaEnv.close();
    }
  });

  test("production mode: no outbox at all", async () => {
    const prod = await createDemoApp({
      port: 0,
      host: "127.0.0.1",
      database: memoryAdapter(),
      production: true,
      secret: "s".repeat(8) + "A9b!c7Dq0Zx2Lm5Np8Rt",
      log: () => undefined,
    });
    try {
      assert.equal(prod.outbox, null);
      assert.equal(await get("127.0.0.1", Number(new URL(prod.url).port), "/dev/outbox.json"), 404);
    } finally {
      await prod.close();
    }
  });

  test("loopback addresses: 127/8, ::1 and their mapped forms; nothing else", () => {
    for (const a of ["127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"]) assert.ok(isLoopbackAddress(a), a);
    for (const a of [undefined, "", "192.0.2.2", "::", "::2", "fd00::1", "0.0.0.0", "localhost"])
      assert.ok(!isLoopbackAddress(a), String(a));
  });
});
