/**
 * Child process: one server (argv[2] = kind) on 127.0.0.1, pinned by the parent with `taskset -c 0`.
 * Prepares its fixture in-process, restores real password hashing, listens, and reports the port and
 * fixture over IPC; on {type:"challenges", count} prepares that many 2FA users with a pending challenge
 * each (between scenarios, never during one). Exits when the parent disconnects.
 */
import { ALL_SERVER_KINDS, PASSWORD, SIGN_IN_USERS, type ServerKind } from "./config.js";
import { prepareChallenges, prepareFixture } from "./fixture.js";
import { buildServer, listen } from "./servers.js";

const kind = process.argv[2] as ServerKind;
if (!ALL_SERVER_KINDS.includes(kind)) throw new Error(`unknown server kind ${kind}`);
if (!process.send) throw new Error("bench/http/server.ts runs as a child of bench/http/run.ts (needs IPC)");

const server = await buildServer(kind, PASSWORD);
const started = performance.now();
await server.passwords.fast();
// The challenge users come later (see run.ts): the other scenarios run against a small store.
const fixture = await prepareFixture(server.handler, PASSWORD, 0, SIGN_IN_USERS);
server.passwords.real();
const fixtureMs = performance.now() - started;
const { port } = await listen(server.listener);
process.send({ type: "ready", port, fixture, fixtureMs });

let batch = 0;
process.on("message", async (m: { type: string; count: number }) => {
  if (m.type !== "challenges") return;
  try {
    const t0 = performance.now();
    await server.passwords.fast();
    const challenges = await prepareChallenges(server.handler, PASSWORD, m.count, `challenge${batch++}-`);
    server.passwords.real();
    process.send!({ type: "challenges", challenges, ms: performance.now() - t0 });
  } catch (e) {
    process.send!({ type: "error", message: (e as Error).stack ?? String(e) });
  }
});
process.on("disconnect", () => process.exit(0));
