/**
 * init(): builds the context, the endpoint table and the request pipeline shared by HTTP and auth.api.
 *
 * HTTP order (as Better Auth 1.7.25): route match (404) -> rate limit -> body (413/415/400) ->
 * origin/CSRF checks -> validation -> before-hooks -> handler -> after-hooks.
 *
 * A request that ends with an error runs the compensations its steps registered (ctx.onFailure) before
 * the error response is built: when the handler throws (so after-hooks see the state the failed
 * request leaves), and again for any registered later when a hook throws. Then, settled either way,
 * the tasks it registered with ctx.afterSettled run (told whether it failed), before the answer leaves.
 */
import { createContext, type CoreContext } from "./context.js";
import { serializeSetCookie } from "./cookies.js";
import { APIError, BASE_ERROR_CODES, RATE_LIMIT_MESSAGE } from "./errors.js";
import { readBody, readStream, type BodySource } from "./body.js";
import { loggableError } from "./limits.js";
import { checkCallbackURLs, checkLoginCsrf, checkOrigin } from "./origin.js";
import { connectionKey, resolveClientAddress } from "./client-address.js";
import { checkRules, consume, ruleFor, sweeper, warnNoAddress } from "./rate-limit.js";
import { RequestContext, RequestSource } from "./request-context.js";
import { accountEndpoints } from "./routes/account/index.js";
import { getSession, getSessionPost, signOut } from "./routes/session.js";
import { signInEmail } from "./routes/sign-in.js";
import { signUpEmail } from "./routes/sign-up.js";
import type { ApiCall, ApiFunction, ApiInput, Endpoint, HandlerInfo, Kernia, KerniaOptions, Plugin, ResponseState } from "./types.js";
import { validateInput } from "./validate.js";
import { unavailableState } from "./unavailable.js";

interface Route {
  name: string;
  endpoint: Endpoint;
}

/**
 * An HTTP request as the adapters hand it to the pipeline, without a Fetch Request: method (upper
 * case), absolute URL, headers, and the body (see BodySource). `request` is the Fetch Request when the
 * caller has one (auth.handler), so ctx.request is that very object.
 */
export interface IncomingRequest {
  method: string;
  url: string;
  headers: Headers;
  body: BodySource;
  request?: Request;
  /** The connection's peer address (node: req.socket.remoteAddress); see client-address.ts. */
  remoteAddress?: string;
  /** The transport connection (node: req.socket), keying requests that have no usable address. */
  connection?: object;
}

/** The pipeline behind auth.handler, taking and giving plain parts (used directly by kernia/express). */
type CoreHandler = (request: IncomingRequest) => Promise<ResponseState>;

/**
 * A response ready for the wire: `headers` includes content-type when there is a body; `cookies` are the
 * serialized Set-Cookie lines in order; `body` is the JSON text, or null for an empty body.
 */
export interface WireResponse {
  status: number;
  headers: Headers;
  cookies: string[];
  body: string | null;
}

/** The core of each instance, keyed by its `handler` function (which survives `{...auth}` copies). */
const cores = new WeakMap<object, { core: CoreHandler; auth: CoreContext }>();

/** The direct pipeline of an instance made by init(), or undefined for any other object. */
export function coreHandler(auth: Kernia): { handle: CoreHandler; toWire: (state: ResponseState) => WireResponse } | undefined {
  const entry = cores.get(auth.handler);
  if (entry === undefined) return undefined;
  return { handle: entry.core, toWire: (state) => toWire(entry.auth, state) };
}

interface RunInput {
  source: RequestSource;
  path: string;
  rawBody: unknown;
  rawQuery: Record<string, unknown>;
  isServerCall: boolean;
}

interface RunResult {
  state: ResponseState;
  /** A non-APIError thrown on the way (already turned into a 500 in `state`). */
  unexpected?: unknown;
}

/** The account endpoints (docs/account.md), each typed from its definition like the plugins' ones. */
type AccountEndpoints = ReturnType<typeof accountEndpoints>;
type AccountApi = { [K in keyof AccountEndpoints]: ApiCall<AccountEndpoints[K]> };

/** auth.api's core functions, typed from the route definitions. */
export interface CoreApi extends AccountApi {
  signUpEmail: ApiCall<ReturnType<typeof signUpEmail>>;
  signInEmail: ApiCall<ReturnType<typeof signInEmail>>;
  getSession: ApiCall<ReturnType<typeof getSession>>;
  signOut: ApiCall<ReturnType<typeof signOut>>;
}

/**
 * Builds an instance. P (inferred from `plugins`) types auth.api: the core's functions and each
 * plugin's, with the input and result its endpoint definitions declare.
 */
// biome-ignore lint/suspicious/noExplicitAny: a plugin with any endpoint table (its endpoint types are inferred)
export function init<const P extends readonly Plugin<any>[] = readonly Plugin[]>(options: KerniaOptions & { plugins?: P }): Kernia<P> {
  const auth = createContext(options);
  const endpoints: Record<string, Endpoint> = {
    signUpEmail: signUpEmail(auth),
    signInEmail: signInEmail(auth),
    getSession: getSession(auth),
    signOut: signOut(auth),
    ...accountEndpoints(),
  };
  for (const plugin of auth.plugins) {
    for (const [name, endpoint] of Object.entries(plugin.endpoints ?? {})) {
      if (name in endpoints) throw new Error(`kernia: endpoint "${name}" of plugin "${plugin.id}" is already defined`);
      endpoints[name] = endpoint;
    }
  }
  const routes = new Map<string, Map<string, Route>>();
  const addRoute = (name: string, endpoint: Endpoint) => {
    if (endpoint.path === undefined) return;
    const key = routeKey(endpoint.path);
    let byMethod = routes.get(key);
    if (!byMethod) routes.set(key, (byMethod = new Map()));
    if (byMethod.has(endpoint.method)) throw new Error(`kernia: two endpoints for ${endpoint.method} ${endpoint.path}`);
    byMethod.set(endpoint.method, { name, endpoint });
  };
  for (const [name, endpoint] of Object.entries(endpoints)) addRoute(name, endpoint);
  addRoute("getSession", getSessionPost());

  for (const plugin of auth.plugins) plugin.init?.(auth);

  checkRules(auth.options.rateLimit, auth.plugins);
  const sweep = sweeper(auth.store);
  const core: CoreHandler = (request) => handle(auth, routes, request, sweep);
  const handler = async (request: Request, info?: HandlerInfo): Promise<Response> => {
    const state = await core({
      remoteAddress: info?.remoteAddress,
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: request.body === null ? null : (limit) => readStream(request.body!, limit),
      request,
    });
    return toResponse(auth, state);
  };
  cores.set(handler, { core, auth });
  const api: Record<string, ApiFunction> = {};
  for (const [name, endpoint] of Object.entries(endpoints)) api[name] = serverCall(auth, name, endpoint);
  // The table is built from the same definitions CoreApi and PluginsApi<P> are typed from.
  return { handler, api: api as Kernia<P>["api"], options, context: auth };
}

/**
 * A path whose last segment is a parameter ("/reset-password/:token") is stored under its prefix plus
 * "/:", and a request path is tried as-is, then with its last (non-empty) segment as that parameter.
 * The handler reads the segment from ctx.path.
 */
const routeKey = (path: string) => path.replace(/\/:[^/]+$/, "/:");
const paramKey = (path: string) => path.replace(/\/[^/]+$/, "/:");

const EMPTY_404 = (): ResponseState => ({ status: 404, body: undefined, headers: new Headers(), cookies: [] });

async function handle(
  auth: CoreContext,
  routes: Map<string, Map<string, Route>>,
  request: IncomingRequest,
  sweep: (now: number) => void,
): Promise<ResponseState> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return EMPTY_404();
  }
  const prefix = `${auth.basePath}/`;
  if (!url.pathname.startsWith(prefix)) return EMPTY_404();
  const path = url.pathname.slice(auth.basePath.length);
  // Unknown path, wrong method, trailing slash, "//", OPTIONS: all 404 with an empty body (T#86, T#87, T#120).
  const route = routes.get(path)?.get(request.method) ?? routes.get(paramKey(path))?.get(request.method);
  if (!route || /\/{2,}/.test(path)) return EMPTY_404();
  const { endpoint } = route;

  const address = resolveClientAddress(auth.settings.address, request.headers, request.remoteAddress);
  try {
    if (auth.settings.rateLimitEnabled) {
      const rule = ruleFor(path, auth.options.rateLimit, auth.plugins);
      // No usable address: the connection's own key, never one bucket for every such client; with
      // neither (a bare Fetch Request, or disableIpTracking) the limiter cannot tell clients apart and
      // does not apply, as in Better Auth (docs/security.md says how to pass the address).
      const who =
        address ?? (request.connection !== undefined && !auth.settings.address.disabled ? connectionKey(request.connection) : null);
      if (rule !== null && who === null && !auth.settings.address.disabled) warnNoAddress();
      if (rule !== null && who !== null) {
        const now = auth.now();
        const decision = await consume(auth.store, `${who}|${path}`, rule, now, auth.generateId);
        sweep(now);
        if (!decision.allowed) {
          const headers = new Headers({ "x-retry-after": String(decision.retryAfter) });
          return { status: 429, body: { message: RATE_LIMIT_MESSAGE }, headers, cookies: [] };
        }
      }
    }
  } catch (e) {
    const unavailable = unavailableState(e, "rate limiter");
    if (unavailable !== undefined) return unavailable;
    console.error(`kernia: rate limiter failed: ${loggableError(e)}`);
    return internalError();
  }

  const rawQuery: Record<string, unknown> = Object.create(null);
  if (url.search !== "") for (const [k, v] of url.searchParams) if (!(k in rawQuery)) rawQuery[k] = v;

  const source = new RequestSource(request.method, request.url, request.headers, request.request);
  source.clientAddress = address;
  let rawBody: unknown;
  if (request.method !== "GET" && request.method !== "HEAD") {
    if (request.body instanceof Uint8Array) source.bodyBytes = request.body;
    try {
      rawBody = await readBody(
        request.headers,
        request.body,
        endpoint.allowFormBody === true,
        auth.settings.maxBodySize,
        auth.settings.limits.maxJsonDepth,
      );
    } catch (e) {
      if (e instanceof APIError) return errorState(e);
      console.error(`kernia: reading the request body failed: ${loggableError(e)}`);
      return errorState(APIError.from(400, BASE_ERROR_CODES, "BAD_REQUEST"));
    }
  }
  const { state } = await run(auth, route, { source, path, rawBody, rawQuery, isServerCall: false });
  return state;
}

function serverCall(auth: CoreContext, name: string, endpoint: Endpoint): ApiFunction {
  return async (input: ApiInput = {}) => {
    const path = endpoint.path ?? "";
    const base = auth.baseURL || "http://localhost";
    const url = `${base}${auth.basePath}${path || `/${name}`}`;
    const source = new RequestSource(endpoint.method, url, new Headers(input.headers));
    source.clientAddress = resolveClientAddress(auth.settings.address, source.headers, undefined);
    const { state, unexpected } = await run(
      auth,
      { name, endpoint },
      {
        source,
        path,
        rawBody: input.body,
        rawQuery: { ...(input.query ?? {}) },
        isServerCall: true,
      },
    );
    // Better Auth's server API rejects on a fault even with asResponse: server code awaiting auth.api
    // must see it as a rejection, not as a 500 it has to recognise.
    if (unexpected !== undefined) throw unexpected;
    if (input.asResponse) return toResponse(auth, state);
    if (state.status >= 400) {
      const body = (state.body ?? {}) as { message?: string; code?: string };
      const headers: Record<string, string> = {};
      state.headers.forEach((v, k) => (headers[k] = v));
      throw new APIError(state.status, body.code ?? null, body.message ?? "", headers);
    }
    return state.body;
  };
}

async function run(auth: CoreContext, route: Route, input: RunInput): Promise<RunResult> {
  const { endpoint } = route;
  const ctx = new RequestContext(auth, input.source, input.path, endpoint.method, input.isServerCall);
  let reachedHandler = false;
  try {
    if (!input.isServerCall && endpoint.method !== "GET") {
      const trusted = await auth.trustedOrigins(input.source);
      if (!auth.settings.skipCSRF) {
        if (endpoint.loginCsrfGuard) checkLoginCsrf(input.source.headers, trusted);
        else checkOrigin(input.source.headers, trusted, false);
      }
      checkCallbackURLs(input.rawBody, input.rawQuery, auth.settings.skipOriginCheck ? null : trusted);
    } else {
      checkCallbackURLs(input.rawBody, input.rawQuery, null); // no origin to check, but the text must be a URL
    }
    const { limits } = auth.settings;
    ctx.body = endpoint.body ? validateInput(endpoint.body, input.rawBody, "body", limits) : {};
    ctx.query = endpoint.query ? validateInput(endpoint.query, input.rawQuery, "query", limits) : { ...input.rawQuery };

    let skip = false;
    for (const plugin of auth.plugins) {
      for (const hook of plugin.hooks?.before ?? []) {
        if (!hook.matches(ctx)) continue;
        if ((await hook.handler(ctx)) === true) {
          skip = true;
          break;
        }
      }
      if (skip) break;
    }
    reachedHandler = true;
    if (!skip) {
      try {
        const result = await endpoint.handler(ctx);
        ctx.response.body = result;
      } catch (e) {
        await ctx.rollback();
        if (!(e instanceof APIError)) throw e;
        applyError(ctx.response, e);
      }
    }
    for (const plugin of auth.plugins) {
      for (const hook of plugin.hooks?.after ?? []) {
        if (hook.matches(ctx)) await hook.handler(ctx);
      }
    }
    return { state: ctx.response };
  } catch (e) {
    await ctx.rollback();
    if (e instanceof APIError) {
      applyError(ctx.response, e);
      return { state: ctx.response };
    }
    const unavailable = unavailableState(e, route.name);
    if (unavailable !== undefined) return { state: unavailable };
    console.error(`kernia: ${route.name} failed${reachedHandler ? "" : " before its handler"}: ${loggableError(e)}`);
    return { state: internalError(), unexpected: e };
  } finally {
    ctx.settle(); // afterSettled tasks: the request's writes, rollback included, are done
  }
}

function applyError(state: ResponseState, e: APIError): void {
  state.status = e.statusCode;
  state.body = e.body;
  for (const [k, v] of Object.entries(e.headers)) state.headers.set(k, v);
}

function errorState(e: APIError): ResponseState {
  const state: ResponseState = { status: 200, body: undefined, headers: new Headers(), cookies: [] };
  applyError(state, e);
  return state;
}

/** Never the real error: its text may carry store or stack details. */
function internalError(): ResponseState {
  return errorState(APIError.from(500, BASE_ERROR_CODES, "INTERNAL_SERVER_ERROR"));
}

/** Body fields that hold a session token, a TOTP secret or codes (enable, get-totp-uri, backup codes, sign-in...). */
const SECRET_FIELDS = ["token", "totpURI", "backupCodes", "secret"]; // not "code": error bodies have one

/**
 * Does this response hand over a secret: a cookie being set (session token, two-factor and trust
 * cookies are all credentials) or a body field from SECRET_FIELDS. Such responses get
 * `Cache-Control: no-store` (RFC 9111 5.2.2.5), so no browser or shared cache keeps a copy (issue 11).
 */
function carriesSecret(state: ResponseState): boolean {
  if (state.cookies.some((c) => c.value !== "")) return true;
  const b = state.body;
  return b !== null && typeof b === "object" && !Array.isArray(b) && SECRET_FIELDS.some((k) => k in b);
}

/**
 * Serialize once: content-type joins the headers when there is a body, Set-Cookie lines in order.
 * Takes over `state.headers` (the request is over; nothing reads the state afterwards).
 */
function toWire(auth: CoreContext, state: ResponseState): WireResponse {
  const headers = state.headers;
  if (carriesSecret(state) && !headers.has("cache-control")) headers.set("cache-control", "no-store");
  const cookies = state.cookies.map((cookie) => serializeSetCookie(cookie, auth.settings.secureCookies));
  if (state.body === undefined) return { status: state.status, headers, cookies, body: null };
  headers.set("content-type", "application/json");
  return { status: state.status, headers, cookies, body: jsonText(state.body) };
}

/**
 * JSON.stringify(body), faster: V8's stringify calls Date.prototype.toJSON through a slow generic path
 * (a get-session body with five dates took 5-6 us against 1.3 us for the same text from strings), so
 * plain objects and arrays are copied with each valid Date replaced by its toISOString(), which is what
 * toJSON returns (an invalid Date gives null, as toJSON does). Anything else (class instances, boxed
 * primitives, objects with their own toJSON) is left for JSON.stringify to handle as usual.
 */
export function jsonText(body: unknown): string {
  return JSON.stringify(withIsoDates(body));
}

function withIsoDates(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Array.isArray(v)) return v.map(withIsoDates);
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === "function") return v;
  const out: Record<string, unknown> = Object.create(null); // so a "__proto__" key stays a plain key
  for (const key of Object.keys(v)) out[key] = withIsoDates((v as Record<string, unknown>)[key]);
  return out;
}

function toResponse(auth: CoreContext, state: ResponseState): Response {
  const wire = toWire(auth, state);
  for (const line of wire.cookies) wire.headers.append("set-cookie", line);
  return new Response(wire.body, { status: wire.status, headers: wire.headers });
}
