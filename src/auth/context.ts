/**
 * The resolved AuthContext: options with their defaults, the bound store, the crypto port, and the
 * user/session/password services the endpoints and plugins share.
 */
import type { Row, Schema, Store } from "../adapters/types.js";
import { memoryAdapter } from "../adapters/memory.js";
import type { CryptoPort } from "../crypto/port.js";
import { wasmCrypto } from "../crypto/index.js";
import { hashPassword, verifyPassword } from "./password.js";
import { generateId, randomString } from "./random.js";
import { maxBodySize } from "./body.js";
import { addressSettings, type AddressSettings } from "./client-address.js";
import { resolveLimits, type Limits } from "./limits.js";
import { buildSchema } from "./schema.js";
import { resolvePreviousSecrets, resolveSecret } from "./secret.js";
import type { AuthContext, KerniaOptions, Plugin, Session, SessionWithUser, User } from "./types.js";

const encoder = new TextEncoder();

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** defaults overlaid with `over`; plain objects merge key by key, everything else is replaced. */
export function mergeOptions<T extends object>(defaults: T, over: unknown): T {
  if (!isPlainObject(over)) return { ...defaults };
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeOptions(out[k] as object, v) : v;
  }
  return out as T;
}

export interface CoreSettings {
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
  /** The stored session row for a token, with its user; expired rows too (get-session needs them). */
  findSessionRow(token: string): Promise<{ session: Session; user: User | null } | null>;
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
  const schema: Schema = buildSchema(plugins);
  const store: Store = (options.database ?? memoryAdapter()).bind(schema);
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
    address: addressSettings(adv),
    // Better Auth: disableOriginCheck (or NODE_ENV=test) also skips CSRF unless disableCSRFCheck is set explicitly.
    skipCSRF: adv.disableCSRFCheck ?? (adv.disableOriginCheck === true || env.NODE_ENV === "test"),
    skipOriginCheck: adv.disableOriginCheck === true || env.NODE_ENV === "test",
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
    if (list) staticTrusted.push(...list.split(",").map((s) => s.trim()).filter(Boolean));
  }

  const userFields = () => schema.user.fields;

  const findById = async (id: string) => store.findOne<User>("user", [{ field: "id", value: id }]);

  const ctx: CoreContext = {
    options,
    appName: options.appName ?? "Kernia",
    baseURL,
    basePath,
    secret,
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
    pluginOptions: <T extends object>(id: string, defaults: T) => mergeOptions(defaults, adv[id]),

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
      const session = await store.findOne<Session>("session", [{ field: "token", value: token }]);
      if (session === null) return null;
      return { session, user: await findById(session.userId) };
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
        if (row === null || row.user === null || row.session.expiresAt.getTime() < now()) return null;
        return { session: row.session, user: row.user } satisfies SessionWithUser;
      },
      async delete(token) {
        await store.deleteMany("session", [{ field: "token", value: token }]);
      },
      async deleteForUser(userId) {
        await store.deleteMany("session", [{ field: "userId", value: userId }]);
      },
    },
    passwords: {
      hash: hashPassword,
      verify: (stored, password) => verifyPassword(stored, password, (a, b) => crypto.timingSafeEqual(a, b)),
      async check(userId, password) {
        if (password.length > settings.maxPasswordLength) return false;
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
    publicUser: (user) => publicRow(user, userFields()),
    publicSession: (session) => publicRow(session, schema.session.fields),
  };
  return ctx;
}

/** Per fields object, the names publicRow may return, in schema order (fixed once init() has run). */
const returnedFields = new WeakMap<Schema[string]["fields"], string[]>();

/** Schema fields in schema order, minus returned:false and unset (null/undefined) values; then id. */
function publicRow(row: Row, fields: Schema[string]["fields"]): Record<string, unknown> {
  let names = returnedFields.get(fields);
  if (names === undefined) {
    names = Object.keys(fields).filter((name) => fields[name].returned !== false);
    returnedFields.set(fields, names);
  }
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const v = row[name];
    if (v === null || v === undefined) continue;
    out[name] = v;
  }
  out.id = row.id;
  return out;
}

function normalizeBasePath(path: string): string {
  if (path === "" || path === "/") return "";
  const p = path.startsWith("/") ? path : `/${path}`;
  return p.replace(/\/+$/, "");
}
