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
 */
import { createDemoApp, type DemoApp } from "./app.js";

function parsePort(text: string | undefined): number {
  if (text === undefined || text === "") return 3000;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT: expected 0..65535, got ${JSON.stringify(text)}`);
  return port;
}

const env = process.env;
let demo: DemoApp;
try {
  demo = await createDemoApp({
    port: parsePort(env.PORT),
    host: env.HOST || undefined,
    baseURL: env.KERNIA_BASE_URL || undefined,
    trustedOrigins: env.KERNIA_TRUSTED_ORIGINS?.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    secret: env.KERNIA_SECRET || env.BETTER_AUTH_SECRET || undefined,
    mongodbUri: env.MONGODB_URI || undefined,
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
