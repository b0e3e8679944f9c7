/**
 * The one test client: a browser-like caller of a Kernia handler (`auth.handler`, or any
 * `(Request) => Promise<Response>`) with a cookie jar, sending Origin on every request as a browser does
 * on a cross-site-capable POST (Kernia's CSRF check reads it). Every reply is kept in `log`.
 */
import type { Kernia } from "../../src/auth/types.js";
import { CookieJar } from "./cookie-jar.js";

export const ORIGIN = "http://localhost:3000";
/** Where the handler is mounted (Better Auth's default basePath). */
export const BASE_PATH = "/api/auth";

export type Handler = (request: Request) => Promise<Response>;

export interface Reply {
  status: number;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  body: any;
  text: string;
  headers: Headers;
  /** Raw Set-Cookie lines in wire order. */
  setCookies: string[];
}

export interface Call {
  method: string;
  path: string;
  body?: unknown;
  /** Raw body (bytes or text) sent as-is; wins over `body`. */
  raw?: Uint8Array | string;
  /** Content-Type; default application/json when there is a body; null sends none. */
  contentType?: string | null;
  headers?: Record<string, string>;
  /** Cookie header; default: the jar's. */
  cookie?: string;
}

/** The Request a browser at `origin` would send to `path` under the auth mount. */
export function authRequest(c: Call, origin = ORIGIN): Request {
  const headers: Record<string, string> = { origin, ...c.headers };
  let body: BodyInit | undefined;
  if (c.raw !== undefined) body = c.raw as BodyInit;
  else if (c.body !== undefined) body = JSON.stringify(c.body);
  const contentType = c.contentType === undefined ? (body !== undefined ? "application/json" : null) : c.contentType;
  if (contentType !== null) headers["content-type"] = contentType;
  if (c.cookie) headers.cookie = c.cookie;
  return new Request(`${origin}${BASE_PATH}${c.path}`, { method: c.method, headers, body });
}

/** Status, text, JSON (when it parses), headers and Set-Cookie lines of a Response. */
export async function readReply(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: any;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text, headers: res.headers, setCookies: res.headers.getSetCookie() };
}

export class Client {
  readonly jar = new CookieJar();
  readonly log: Reply[] = [];
  readonly handler: Handler;

  constructor(
    readonly auth: Kernia | Handler,
    readonly origin = ORIGIN,
    /** The cookie name prefix `cookie(short)` looks under (advanced.cookiePrefix + "."). */
    readonly prefix = "better-auth.",
  ) {
    this.handler = typeof auth === "function" ? auth : (request) => auth.handler(request);
  }

  cookieHeader(): string {
    return this.jar.header();
  }

  /** Send a call; Set-Cookie lines of the answer go into the jar. */
  async call(c: Call): Promise<Reply> {
    const reply = await readReply(await this.handler(authRequest({ ...c, cookie: c.cookie ?? this.jar.header() }, this.origin)));
    this.jar.store(reply.setCookies);
    this.log.push(reply);
    return reply;
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    return this.call({ method, path, body, headers });
  }

  post(path: string, body: unknown = {}, headers?: Record<string, string>): Promise<Reply> {
    return this.request("POST", path, body, headers);
  }

  get(path: string): Promise<Reply> {
    return this.request("GET", path);
  }

  /** Send a call and return its JSON body, throwing (with the answer) on any other status. */
  async expect(status: number, c: Call): Promise<any> {
    const a = await this.call(c);
    if (a.status !== status) throw new Error(`${c.method} ${c.path}: expected ${status}, got ${a.status} ${a.text.slice(0, 300)}`);
    return a.body;
  }

  /** A cookie's value by short name ("session_token") under this client's prefix. */
  cookie(short: string): string | undefined {
    return this.jar.get(`${this.prefix}${short}`);
  }

  /** "name=value" of a cookie by short name under any prefix (secure or custom), or undefined. */
  cookiePair(short: string): string | undefined {
    for (const [k, v] of this.jar) if (k === `${this.prefix}${short}` || k.endsWith(`.${short}`)) return `${k}=${v}`;
    return undefined;
  }

  /** A second browser holding the same cookies. */
  clone(): Client {
    const c = new Client(this.auth, this.origin, this.prefix);
    for (const [k, v] of this.jar) c.jar.set(k, v);
    return c;
  }
}
