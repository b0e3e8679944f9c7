/**
 * The Kernia demo: an Express 5 app with Kernia mounted at /api/auth (two-factor, username and
 * phone-number plugins) and a small page that drives it with the official Better Auth client.
 * `npm start` runs it through example/server.ts; tests start it in-process with createDemoApp({ port: 0 }).
 */
import express from "express";
import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MongoClient } from "mongodb";
import { init } from "../src/index.js";
import { toNodeHandler } from "../src/integrations/node.js";
import { twoFactor } from "../src/plugins/two-factor/index.js";
import { username } from "../src/plugins/username/index.js";
import { phoneNumber } from "../src/plugins/phone-number/index.js";
import { memoryAdapter } from "../src/adapters/memory.js";
import { mongodbAdapter } from "../src/adapters/mongodb.js";
import type { Adapter } from "../src/adapters/types.js";
import type { Kernia, User } from "../src/auth/types.js";
import { buildExample } from "../scripts/build-example.mjs";
import { Outbox } from "./outbox.js";
import { accountMail, accountPage } from "./account.js";
import { ActivityLog, activityRouter } from "./activity.js";
import { adminRouter } from "./admin.js";

export const APP_NAME = "Kernia Demo";

/** The pending sign-in challenge's cookie under the default prefix (the demo does not change it). */
const TWO_FACTOR_COOKIE = "better-auth.two_factor";

export interface DemoAppOptions {
  /** Port to listen on; 0 picks a free one. Default 3000. */
  port?: number;
  /** Interface to listen on. Default: all interfaces. */
  host?: string;
  /** Public URL of the app. Default http://localhost:PORT (http://HOST:PORT when `host` is given). */
  baseURL?: string;
  /** Extra origins allowed to call the API (the baseURL origin always is). */
  trustedOrigins?: string[];
  /** Storage. Default: MongoDB when `mongodbUri` is given, else memoryAdapter(). */
  database?: Adapter;
  /** MongoDB connection string; the database is the one named in the URI. */
  mongodbUri?: string;
  /** Signs cookies and encrypts TOTP secrets. Required in production and with MongoDB. */
  secret?: string;
  /** Clock in unix ms, passed to Kernia (tests move it forward instead of sleeping). Default Date.now. */
  now?: () => number;
  /** Production mode: no dev outbox, rate limits on. Default NODE_ENV === "production". */
  production?: boolean;
  /** Where the demo's own notices go. Default console.log. */
  log?: (line: string) => void;
  /**
   * Two-factor enforcement (the plugin's `enforcement.enabled`): true for every user, a function for some.
   * Default false (KERNIA_DEMO_ENFORCE, parsed by parseEnforcement, sets it for `npm start`).
   */
  enforcement?: Enforcement;
  /** Mount the support-desk screen at /demo/admin (loopback clients only, example/admin.ts). Default false. */
  admin?: boolean;
}

export type Enforcement = boolean | ((user: User) => boolean | Promise<boolean>);

/**
 * KERNIA_DEMO_ENFORCE: "off" (or unset, "0"): nobody must enrol; "all" (or "1"): every user; "@example.com":
 * users whose email is at that domain (the function form of the option). Anything else is an error.
 */
export function parseEnforcement(text: string | undefined): Enforcement {
  const value = (text ?? "").trim().toLowerCase();
  if (value === "" || value === "off" || value === "0") return false;
  if (value === "all" || value === "1") return true;
  if (/^@[a-z0-9.-]+\.[a-z]{2,}$/.test(value)) return (user) => user.email.toLowerCase().endsWith(value);
  throw new Error(`KERNIA_DEMO_ENFORCE: expected off, all or @domain (e.g. @example.com), got ${JSON.stringify(text)}`);
}

export interface DemoApp {
  /** The URL the app is reachable at (its baseURL). */
  url: string;
  server: Server;
  auth: Kernia;
  /** The two-factor events kept for the security activity list (example/activity.ts). */
  activity: ActivityLog;
  /** The development outbox, or null in production. */
  outbox: Outbox | null;
  storage: "memory" | "mongodb" | "custom";
  close(): Promise<void>;
}

const webDir = join(dirname(fileURLToPath(import.meta.url)), "web");

/** The page loads nothing from elsewhere; the QR code is drawn on a canvas. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** Both loopback spellings, so opening http://127.0.0.1:3000 works as well as http://localhost:3000. */
function loopbackAliases(origin: string): string[] {
  const url = new URL(origin);
  if (url.hostname !== "localhost" && url.hostname !== "127.0.0.1") return [origin];
  const other = new URL(origin);
  other.hostname = url.hostname === "localhost" ? "127.0.0.1" : "localhost";
  return [origin, other.origin];
}

function listen(server: Server, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

export async function createDemoApp(options: DemoAppOptions = {}): Promise<DemoApp> {
  const production = options.production ?? process.env.NODE_ENV === "production";
  const log = options.log ?? ((line: string) => console.log(line));

  let secret = options.secret;
  if (!secret) {
    if (production || options.mongodbUri) {
      // A random secret would make stored TOTP secrets unreadable after a restart.
      throw new Error("Set KERNIA_SECRET (32+ random characters) to run the demo in production or with MongoDB.");
    }
    secret = randomBytes(32).toString("base64url");
  }

  await buildExample({ ifStale: true });

  let mongo: MongoClient | null = null;
  let database = options.database;
  let storage: DemoApp["storage"] = "custom";
  if (!database && options.mongodbUri) {
    mongo = await new MongoClient(options.mongodbUri).connect();
    database = mongodbAdapter(mongo.db());
    storage = "mongodb";
  } else if (!database) {
    database = memoryAdapter();
    storage = "memory";
  }

  const app = express();
  app.disable("x-powered-by");
  const server = createServer(app);
  let port: number;
  try {
    port = await listen(server, options.port ?? 3000, options.host);
  } catch (error) {
    await mongo?.close();
    throw error;
  }
  const baseURL = (options.baseURL ?? `http://${options.host ?? "localhost"}:${port}`).replace(/\/$/, "");
  const origin = new URL(baseURL).origin;

  // Never with real user data: production mode, or a MongoDB database (example/outbox.ts).
  const outbox = production || storage === "mongodb" ? null : new Outbox();
  const now = options.now ?? Date.now;
  const activity = new ActivityLog();

  const auth = init({
    appName: APP_NAME,
    database,
    secret,
    baseURL,
    trustedOrigins: [...loopbackAliases(origin), ...(options.trustedOrigins ?? [])],
    plugins: [
      twoFactor({
        // A user the policy covers gets no session until a second factor is verified (docs/demo.md).
        enforcement: { enabled: options.enforcement ?? false },
        // Called after each two-factor event; record() is synchronous and never throws.
        onEvent: activity.record,
      }),
      username(),
      phoneNumber(),
    ],
    ...accountMail(outbox, APP_NAME, now, log), // reset / verify / delete links (example/account.ts)
    advanced: {
      now,
      "two-factor": {
        issuer: APP_NAME,
        otpOptions: {
          async sendOtp({ user, otp }: { user: { id: string; email: string }; otp: string }) {
            if (outbox) {
              outbox.record({ to: user.email, subject: `Your ${APP_NAME} sign-in code`, otp, at: new Date(now()).toISOString() });
            } else {
              // Never log the code itself: logs are read by more people than mailboxes.
              log(`[demo] no mailer is configured: the sign-in code for user ${user.id} was not sent`);
            }
          },
        },
      },
    },
  });

  if (storage === "mongodb") {
    // What `kernia generate` does, run at start so a first run against an empty database gets its
    // collections and unique indexes (the MongoDB store relies on them for uniqueness). Idempotent.
    await database.generate?.(auth.context.schema, { log: (line) => log(`[mongodb] ${line}`) });
  }

  app.use((_req, res, next) => {
    res.set("content-security-policy", CONTENT_SECURITY_POLICY);
    res.set("x-content-type-options", "nosniff");
    res.set("referrer-policy", "same-origin");
    next();
  });
  app.use("/api/auth", toNodeHandler(auth));
  if (outbox) app.use(outbox.router());
  app.use(activityRouter(auth, activity));
  // Not mounted at all unless asked for: /demo/admin is then a 404 like any unknown path.
  if (options.admin) app.use(adminRouter(auth));

  // The page's probe after a reload or Back: does this browser still hold a pending two-factor sign-in?
  // The two_factor cookie is HttpOnly, so the page cannot see it; the server says whether the browser sent
  // one (under either name, plain or __Secure-, see useSecureCookies). Only its presence is reported:
  // whether the challenge behind it is still live is for the next verify to say (INVALID_TWO_FACTOR_COOKIE).
  app.get("/demo/pending-sign-in", (req, res) => {
    const names = new Set([TWO_FACTOR_COOKIE, `__Secure-${TWO_FACTOR_COOKIE}`]);
    const sent = (req.headers.cookie ?? "").split(";").some((pair) => names.has(pair.slice(0, pair.indexOf("=")).trim()));
    res.set("cache-control", "no-store").json({ pending: sent });
  });

  app.get("/", (_req, res) => res.sendFile(join(webDir, "index.html")));
  app.get("/style.css", (_req, res) => res.sendFile(join(webDir, "style.css")));
  app.use(accountPage(webDir)); // the account page (example/account.ts)
  app.use("/assets", express.static(join(webDir, "dist"), { fallthrough: false }));

  return {
    url: baseURL,
    server,
    auth,
    activity,
    outbox,
    storage,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await mongo?.close();
    },
  };
}
