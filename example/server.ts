/**
 * `npm start`: runs the Kernia demo. Environment:
 *   PORT                    port to listen on (default 3000)
 *   HOST                    interface to listen on (default: all)
 *   KERNIA_BASE_URL         public URL (default http://localhost:PORT)
 *   KERNIA_TRUSTED_ORIGINS  extra allowed origins, comma separated
 *   KERNIA_SECRET           cookie/encryption secret (required with MONGODB_URI or NODE_ENV=production)
 *   MONGODB_URI             store data in MongoDB instead of memory (no development outbox)
 *   NODE_ENV=production     no development outbox, rate limits on
 *   KERNIA_DEMO_OUTBOX=open serve the development outbox to every client, not only this machine's
 *                           (it lists every user's sign-in codes: only for a demo on a trusted network)
 *   KERNIA_DEMO_ENFORCE     two-factor enforcement: off (default), all, or @domain (users with an email there)
 *   KERNIA_DEMO_ADMIN=1     serve the support-desk screen at /demo/admin (this machine only; off by default)
 * Every variable, with examples: docs/demo.md.
 */
import { createDemoApp, parseEnforcement, type DemoApp } from "./app.js";

function parsePort(text: string | undefined): number {
  if (text === undefined || text === "") return 3000;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT: expected 0..65535, got ${JSON.stringify(text)}`);
  return port;
}

/** KERNIA_DEMO_ADMIN: "1" turns the screen on, unset or "0" leaves it off; a typo is an error, not a guess. */
function parseFlag(name: string, text: string | undefined): boolean {
  if (text === undefined || text === "" || text === "0") return false;
  if (text === "1") return true;
  throw new Error(`${name}: expected 1 or 0, got ${JSON.stringify(text)}`);
}

const env = process.env;
let demo: DemoApp;
let enforce: ReturnType<typeof parseEnforcement>;
try {
  enforce = parseEnforcement(env.KERNIA_DEMO_ENFORCE);
  demo = await createDemoApp({
    port: parsePort(env.PORT),
    host: env.HOST || undefined,
    baseURL: env.KERNIA_BASE_URL || undefined,
    trustedOrigins: env.KERNIA_TRUSTED_ORIGINS?.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    secret: env.KERNIA_SECRET || env.BETTER_AUTH_SECRET || undefined,
    mongodbUri: env.MONGODB_URI || undefined,
    enforcement: enforce,
    admin: parseFlag("KERNIA_DEMO_ADMIN", env.KERNIA_DEMO_ADMIN),
  });
} catch (error) {
  // A person running `npm start` needs the reason, not a stack trace.
  console.error(`Could not start the Kernia demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

console.log(`Kernia demo running at ${demo.url}`);
console.log(
  demo.storage === "mongodb" ? "Storage: MongoDB (MONGODB_URI)" : "Storage: in memory (everything is lost when the server stops)",
);
console.log(
  enforce === false
    ? "Two-factor enforcement: off (KERNIA_DEMO_ENFORCE=all to require it)"
    : `Two-factor enforcement: ${enforce === true ? "every user" : `users with an email at ${env.KERNIA_DEMO_ENFORCE?.trim().toLowerCase()}`} (KERNIA_DEMO_ENFORCE)`,
);
if (env.KERNIA_DEMO_ADMIN === "1") console.log(`Support desk (reset a user's two-factor, this machine only): ${demo.url}/demo/admin`);
if (demo.outbox) {
  const who = env.KERNIA_DEMO_OUTBOX === "open" ? "open to every client (KERNIA_DEMO_OUTBOX=open)" : "this machine only";
  console.log(`Development outbox (email codes, ${who}): ${demo.url}/dev/outbox`);
}

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    demo.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
