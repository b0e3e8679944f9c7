/**
 * The resolved AuthContext: options with their defaults, the bound store, the crypto port, and the
 * user/session/password services the endpoints and plugins share.
 */
import type { Row, Schema, Store } from "../adapters/types.js";
import { memoryAdapter } from "../adapters/memory.js";
import type { CryptoPort } from "../crypto/port.js";
import { wasmCrypto } from "../crypto/index.js";
import { APIError, BASE_ERROR_CODES } from "./errors.js";
import { hashPassword, verifyPassword } from "./password.js";
import { assertOptionKeys } from "./option-keys.js";
import { mergeOptions } from "./plugin-api.js";
import { generateId, randomString } from "./random.js";
import { maxBodySize } from "./body.js";
import { addressSettings, type AddressSettings } from "./client-address.js";
import { resolveLimits, type Limits } from "./limits.js";
import { buildSchema } from "./schema.js";
import { resolvePreviousSecrets, resolveSecret } from "./secret.js";
import type { AuthContext, KerniaOptions, Plugin, PublicSession, PublicUser, Session, SessionWithUser, User } from "./types.js";

const encoder = new TextEncoder();

interface CoreSettings {
  secureCookies: boolean;
  cookiePrefix: string;
  expiresIn: number;
  updateAge: number;
  minPasswordLength: number;
  maxPasswordLength: number;
  rateLimitEnabled: boolean;
  maxBodySize: number;
  /** Field lengths and JSON depth (limits.ts). */
  limits: Limits;
  /** Client address resolution (client-address.ts). */
  address: AddressSettings;
  /** Skip the origin/CSRF checks of section 6 steps 1-3. */
  skipCSRF: boolean;
  /** Skip the callbackURL checks of step 4. */
  skipOriginCheck: boolean;
}

/** The AuthContext plus what only the core needs. */
export interface CoreContext extends AuthContext {
  readonly settings: CoreSettings;
  /** Trusted origins for this request (baseURL origin, options, env). */
  trustedOrigins(source: { readonly url: string; readonly request: Request } | undefined): Promise<string[]>;
  /**
   * The stored session row for a token with its user, in one store operation; expired rows too
   * (get-session deletes them). Whether it may be used is isLive's answer.
   */
  findSessionRow(token: string): Promise<SessionRow | null>;
}

interface SessionRow {
  session: Session;
  user: User | null;
}

/** The one liveness rule: a session counts while its expiresAt is not past and its user exists. */
export function isLive(row: SessionRow, now: number): row is SessionWithUser {
  return row.user !== null && row.session.expiresAt.getTime() >= now;
}

export function createContext(options: KerniaOptions): CoreContext {
  const env = process.env;
  const production = env.NODE_ENV === "production";
  const plugins: readonly Plugin[] = options.plugins ?? [];
  const ids = new Set<string>();
  for (const p of plugins) {
    if (ids.has(p.id)) throw new Error(`kernia: plugin "${p.id}" is registered twice`);
    ids.add(p.id);
  }
  assertOptionKeys(options, plugins);
  const schema: Schema = buildSchema(plugins);
  const store: Store = (options.database ?? memoryAdapter()).bind(schema, { now: () => (options.advanced?.now ?? Date.now)() });
  const crypto: CryptoPort = options.advanced?.crypto ?? wasmCrypto;
  const secret = resolveSecret(options.secret, env, options.advanced?.allowWeakSecret === true);
  const secrets = Object.freeze([secret, ...resolvePreviousSecrets(options.previousSecrets, secret, env)]);
  const hmacSecrets = secrets.map((s) => {
    const key = encoder.encode(s);
    return (data: string) => crypto.hmac("SHA-256", key, encoder.encode(data));
  });
  const baseURL = (options.baseURL ?? env.KERNIA_URL ?? env.BETTER_AUTH_URL ?? "").replace(/\/+$/, "");
  const basePath = normalizeBasePath(options.basePath ?? "/api/auth");
  const adv = options.advanced ?? {};
  const now = adv.now ?? Date.now;
  const ep = options.emailAndPassword ?? {};
  /** advanced[id] by plugin id (the block's other keys are the core's). */
  const pluginSettings = new Map<string, unknown>(Object.entries(adv));

  const settings: CoreSettings = {
    secureCookies: adv.useSecureCookies ?? (baseURL ? baseURL.startsWith("https://") : production),
    cookiePrefix: adv.cookiePrefix ?? "better-auth",
    expiresIn: options.session?.expiresIn ?? 604800,
    updateAge: options.session?.updateAge ?? 86400,
    minPasswordLength: ep.minPasswordLength ?? 8,
    maxPasswordLength: ep.maxPasswordLength ?? 128,
    rateLimitEnabled: options.rateLimit?.enabled ?? production,
    maxBodySize: maxBodySize(adv),
    limits: resolveLimits(adv.limits),
    address: addressSettings(adv as Record<string, unknown>),
    // An option the app sets wins over the NODE_ENV=test default (Better Auth: skipOriginCheck is
    // disableOriginCheck when defined, else isTest). Skipping the origin check also skips CSRF unless
    // disableCSRFCheck is set explicitly, as in Better Auth.
    skipOriginCheck: adv.disableOriginCheck ?? env.NODE_ENV === "test",
    skipCSRF: adv.disableCSRFCheck ?? adv.disableOriginCheck ?? env.NODE_ENV === "test",
  };

  const staticTrusted: string[] = [];
  if (baseURL) {
    try {
      staticTrusted.push(new URL(baseURL).origin);
    } catch {
      throw new Error(`kernia: baseURL must be an absolute URL, got ${JSON.stringify(baseURL)}`);
    }
  }
  if (Array.isArray(options.trustedOrigins)) staticTrusted.push(...options.trustedOrigins);
  for (const name of ["KERNIA_TRUSTED_ORIGINS", "BETTER_AUTH_TRUSTED_ORIGINS"]) {
    const list = env[name];
    if (list)
      staticTrusted.push(
        ...list
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      );
  }

  const userFields = () => schema.user.fields;
  const tooLong = (password: string) => password.length > settings.maxPasswordLength;

  const findById = async (id: string) => store.findOne<User>("user", [{ field: "id", value: id }]);

  const ctx: CoreContext = {
    options,
    appName: options.appName ?? "Kernia",
    baseURL,
    basePath,
    secrets,
    hmacSecrets,
    store,
    schema,
    crypto,
    plugins,
    settings,
    now: () => now(),
    generateId,
    randomString,
    cookieName: (name) => `${settings.secureCookies ? "__Secure-" : ""}${settings.cookiePrefix}.${name}`,
    hmacSecret: hmacSecrets[0],
    passwordLength: { min: settings.minPasswordLength, max: settings.maxPasswordLength },
    pluginOptions: <T extends object>(id: string, defaults: T) => mergeOptions(defaults, pluginSettings.get(id)),

    async trustedOrigins(source) {
      const list = [...staticTrusted];
      if (!baseURL && source) {
        // No configured baseURL: the server's own origin (as the request reached it) is trusted, as in
        // Better Auth, which infers its baseURL from the request.
        try {
          list.push(new URL(source.url).origin);
        } catch {
          /* synthetic request without a usable URL */
        }
      }
      if (typeof options.trustedOrigins === "function") {
        // `source.request` is built on demand: only a trustedOrigins function needs a Fetch Request.
        const extra = await options.trustedOrigins(source?.request);
        if (Array.isArray(extra)) list.push(...extra.filter((v): v is string => typeof v === "string" && v !== ""));
      }
      return list;
    },

    async findSessionRow(token) {
      const found = await store.findOneJoined<Session, User>("session", [{ field: "token", value: token }], {
        model: "user",
        field: "userId",
      });
      return found === null ? null : { session: found.row, user: found.joined };
    },

    users: {
      findById,
      findByEmail: (email) => store.findOne<User>("user", [{ field: "email", value: email.toLowerCase() }]),
      update: (id, data) =>
        store.update<User>("user", [{ field: "id", value: id }], { ...data, updatedAt: new Date(now()) } as Partial<User>),
    },
    sessions: {
      async find(token) {
        const row = await ctx.findSessionRow(token);
        return row !== null && isLive(row, now()) ? { session: row.session, user: row.user } : null;
      },
      async delete(token) {
        await store.deleteMany("session", [{ field: "token", value: token }]);
      },
      async deleteForUser(userId) {
        await store.deleteMany("session", [{ field: "userId", value: userId }]);
      },
    },
    passwords: {
      assertLength(password, use) {
        if (use === "new" && password.length < settings.minPasswordLength) throw APIError.from(400, BASE_ERROR_CODES, "PASSWORD_TOO_SHORT");
        if (tooLong(password)) throw APIError.from(400, BASE_ERROR_CODES, "PASSWORD_TOO_LONG");
      },
      hash: hashPassword,
      verify: (stored, password) => verifyPassword(stored, password, (a, b) => crypto.timingSafeEqual(a, b)),
      async check(userId, password) {
        if (tooLong(password)) return false; // a caller that skipped assertLength still pays no hash for it
        const account = await store.findOne<Row>("account", [
          { field: "userId", value: userId },
          { field: "providerId", value: "credential" },
        ]);
        const stored = account?.password;
        if (typeof stored !== "string" || stored === "") {
          await hashPassword(password); // same cost as a real check: "has no password" is not observable
          return false;
        }
        return verifyPassword(stored, password, (a, b) => crypto.timingSafeEqual(a, b));
      },
    },
    // The schema decides the fields at run time; these are the shapes the core and plugin schemas give.
    publicUser: (user) => publicRow(user, userFields()) as PublicUser,
    publicSession: (session) => publicRow(session, schema.session.fields) as PublicSession,
  };
  return ctx;
}

/** Per fields object, the names publicRow may return, in schema order (fixed once init() has run). */
const returnedFields = new WeakMap<Schema[string]["fields"], string[]>();

/**
 * Every schema field in schema order, minus returned:false, then id: Better Auth's shape on a SQL database,
 * where a row has every column, so an unset field is `null`, never absent (test/shape/better-auth-sqlite.test.ts).
 */
function publicRow(row: Row, fields: Schema[string]["fields"]): Record<string, unknown> {
  let names = returnedFields.get(fields);
  if (names === undefined) {
    names = Object.keys(fields).filter((name) => fields[name].returned !== false);
    returnedFields.set(fields, names);
  }
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = row[name] ?? null;
  out.id = row.id;
  return out;
}

function normalizeBasePath(path: string): string {
  if (path === "" || path === "/") return "";
  const p = path.startsWith("/") ? path : `/${path}`;
  return p.replace(/\/+$/, "");
}
