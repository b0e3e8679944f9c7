/**
 * Child process: one server (argv[2] = kind) on 127.0.0.1, pinned by the parent with `taskset -c 0`.
 * Prepares its fixture in-process, restores real password hashing, listens, and reports the port and
 * fixture over IPC. Exits when the parent disconnects.
 */
import { LOAD, PASSWORD, ALL_SERVER_KINDS, SIGN_IN_USERS, type ServerKind } from "./config.js";
import { prepareFixture } from "./fixture.js";
import { buildServer, listen } from "./servers.js";

const kind = process.argv[2] as ServerKind;
if (!ALL_SERVER_KINDS.includes(kind)) throw new Error(`unknown server kind ${kind}`);
if (!process.send) throw new Error("bench/http/server.ts runs as a child of bench/http/run.ts (needs IPC)");

const server = await buildServer(kind, PASSWORD);
const started = performance.now();
await server.passwords.fast();
// Each load client builds one request ahead that it never sends (autocannon), hence the margin.
const fixture = await prepareFixture(server.handler, PASSWORD, LOAD.challenge + 2 * LOAD.connections + 8, SIGN_IN_USERS);
server.passwords.real();
const fixtureMs = performance.now() - started;
const { port } = await listen(server.listener);
process.send({ type: "ready", port, fixture, fixtureMs });
process.on("disconnect", () => process.exit(0));
