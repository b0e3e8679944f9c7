/**
 * `kernia/express`: serve a Kernia instance from Express 5 or plain node:http.
 *
 *   app.use("/api/auth", toNodeHandler(auth));                // Express 5
 *   http.createServer(toNodeHandler(auth));                   // node:http
 *
 * Express: mount with app.use, not app.all("/api/auth/*splat"): with a named wildcard, Express decodes the
 * path before the handler runs and answers malformed percent-encoding itself, with an HTML 400. The
 * handler reads req.originalUrl, so the mount path is kept.
 *
 * Hands the IncomingMessage's parts (URL from Host and x-forwarded-proto; body read with the size cap,
 * so an oversized body is refused without being buffered) straight to the instance's pipeline and
 * writes its answer to the ServerResponse (every Set-Cookie line kept), with no Fetch Request or
 * Response in between; the wire output is the same as auth.handler's. It never rejects: any failure
 * becomes a 500 JSON answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { maxBodySize, readNodeBody } from "../auth/body.js";
import { APIError, BASE_ERROR_CODES } from "../auth/errors.js";
import { loggableError } from "../auth/limits.js";
import { coreHandler, type WireResponse } from "../auth/init.js";
import type { Kernia } from "../auth/types.js";

type NodeRequest = IncomingMessage & { body?: unknown; originalUrl?: string };

function requestURL(req: NodeRequest): string {
  const forwarded = String(req.headers["x-forwarded-proto"] ?? "")
    .split(",")[0]
    .trim()
    .toLowerCase();
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const proto = forwarded === "https" || forwarded === "http" ? forwarded : encrypted ? "https" : "http";
  const host = req.headers.host ?? "localhost";
  return `${proto}://${host}${req.originalUrl ?? req.url ?? "/"}`;
}

function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(":")) continue;
    try {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    } catch {
      /* a header value the Fetch API refuses: drop it */
    }
  }
  return headers;
}

/** A body a parser (express.json / urlencoded) already consumed, written back in its media type. */
function reserialise(req: NodeRequest): Uint8Array | null {
  const type = String(req.headers["content-type"] ?? "")
    .split(";")[0]
    .trim()
    .toLowerCase();
  if (req.body === undefined) return null;
  if (type === "application/x-www-form-urlencoded" && req.body !== null && typeof req.body === "object") {
    return Buffer.from(new URLSearchParams(req.body as Record<string, string>).toString());
  }
  if (typeof req.body === "string") return Buffer.from(req.body);
  if (Buffer.isBuffer(req.body)) return req.body;
  return Buffer.from(JSON.stringify(req.body));
}

function sendJSON(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", ...extra });
  res.end(JSON.stringify(body));
}

/** The Fetch path, for a Kernia-shaped object that init() did not make (its handler is all we have). */
async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  const body = response.body === null ? null : Buffer.from(await response.arrayBuffer());
  res.end(body);
}

/** Same wire output as writeResponse: headers in Headers order (sorted), then every Set-Cookie line. */
function writeWire(res: ServerResponse, wire: WireResponse): void {
  res.statusCode = wire.status;
  wire.headers.forEach((value, name) => res.setHeader(name, value));
  if (wire.cookies.length > 0) res.setHeader("set-cookie", wire.cookies);
  if (wire.body === null) res.end();
  else res.end(wire.body);
}

export function toNodeHandler(auth: Kernia): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const limit = maxBodySize(auth.context.options.advanced);
  // The direct pipeline (no Fetch Request/Response: building and reading them cost more than a
  // get-session itself); any other Kernia-shaped object goes through its Fetch handler.
  const core = coreHandler(auth);
  return async (req: NodeRequest, res: ServerResponse) => {
    try {
      const method = (req.method ?? "GET").toUpperCase();
      let body: Uint8Array | null = null;
      if (method !== "GET" && method !== "HEAD") {
        // express.json() and friends leave the stream consumed: use what they parsed.
        // A stream someone else ended without leaving a body has nothing left to read (waiting would hang).
        body = req.readableEnded ? reserialise(req) : await readNodeBody(req, limit);
      }
      if (core !== undefined) {
        const state = await core.handle({
          method,
          url: requestURL(req),
          headers: requestHeaders(req),
          body,
          remoteAddress: req.socket?.remoteAddress,
          connection: req.socket ?? undefined,
        });
        writeWire(res, core.toWire(state));
        return;
      }
      const request = new Request(requestURL(req), {
        method,
        headers: requestHeaders(req),
        body: body === null ? undefined : new Uint8Array(body),
      });
      await writeResponse(res, await auth.handler(request, { remoteAddress: req.socket?.remoteAddress }));
    } catch (e) {
      if (e instanceof APIError && e.statusCode === 413) {
        const err = e;
        // Close after answering; discard (not buffer) whatever the client is still sending.
        sendJSON(res, 413, err.body, { connection: "close" });
        req.resume();
        return;
      }
      console.error(`kernia: node handler failed: ${loggableError(e)}`);
      sendJSON(res, 500, APIError.from(500, BASE_ERROR_CODES, "INTERNAL_SERVER_ERROR").body);
    }
  };
}
