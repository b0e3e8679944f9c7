/**
 * Reading a request body at the HTTP boundary: size cap, media type, JSON/form parsing, with
 * better-call's error answers (415 UNSUPPORTED_MEDIA_TYPE, 400 "Invalid JSON in request body"). The
 * one home of the size default and of the capped readers, for Fetch streams and node:http requests.
 */
import type { IncomingMessage } from "node:http";
import { APIError, BASE_ERROR_CODES } from "./errors.js";
import { checkJsonDepth, JsonTooDeep } from "./json.js";
import { DEFAULT_MAX_JSON_DEPTH } from "./limits.js";

/** advanced.maxBodySize's default: 1 MiB, as Better Auth's. */
export const DEFAULT_MAX_BODY_SIZE = 1024 * 1024;

/** The body cap an instance uses (`advanced.maxBodySize`, else the default). */
export function maxBodySize(advanced: { maxBodySize?: number } | undefined): number {
  return advanced?.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
}

export function payloadTooLarge(): APIError {
  return APIError.from(413, BASE_ERROR_CODES, "PAYLOAD_TOO_LARGE");
}

/**
 * Where a request body comes from: null (no body), bytes an adapter already read under the same cap
 * (node:http), or a reader that reads them incrementally (a Fetch Request's stream).
 */
export type BodySource = Uint8Array | ((limit: number) => Promise<Uint8Array>) | null;

/** A Fetch body stream's bytes, read incrementally; stops and throws 413 as soon as `limit` is passed. */
export async function readStream(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw payloadTooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * A node:http request's body bytes, read chunk by chunk; rejects with 413 as soon as `limit` is passed
 * (a declared Content-Length over it is refused before reading). null for an empty body.
 */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(payloadTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        req.off("data", onData);
        reject(payloadTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(total === 0 ? null : Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

const utf8Fatal = new TextDecoder("utf-8", { fatal: true });

/**
 * The parsed body, or undefined when the request has none. Only `application/json` is accepted
 * (parameters allowed), plus `application/x-www-form-urlencoded` when `allowForm`. Checks in order:
 * media type (415), declared Content-Length over `limit` (413, nothing read), bytes over `limit` (413).
 */
export async function readBody(
  headers: Headers,
  body: BodySource,
  allowForm: boolean,
  limit: number,
  maxDepth: number = DEFAULT_MAX_JSON_DEPTH,
): Promise<unknown> {
  if (body === null) return undefined;
  const contentType = headers.get("content-type") ?? "";
  const media = contentType.split(";")[0].trim().toLowerCase();
  const allowed = allowForm ? ["application/x-www-form-urlencoded", "application/json"] : ["application/json"];
  if (!allowed.includes(media)) {
    const list = allowed.join(", ");
    throw new APIError(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      contentType
        ? `Content-Type "${contentType}" is not allowed. Allowed types: ${list}`
        : `Content-Type is required. Allowed types: ${list}`,
    );
  }
  const declared = Number(headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) throw payloadTooLarge();
  const bytes = typeof body === "function" ? await body(limit) : body;
  if (bytes.byteLength > limit) throw payloadTooLarge();
  if (bytes.byteLength === 0) return undefined; // same as no body, whichever way the adapter built it
  if (media === "application/json") {
    // Before decoding: a hostile body is refused after at most maxDepth brackets of work.
    try {
      checkJsonDepth(bytes, maxDepth);
    } catch (e) {
      if (e instanceof JsonTooDeep) throw new APIError(400, "BAD_REQUEST", `JSON in request body is nested deeper than ${maxDepth} levels`);
      throw e;
    }
  }
  let text: string;
  try {
    text = utf8Fatal.decode(bytes);
  } catch {
    throw new APIError(400, "BAD_REQUEST", "Invalid JSON in request body");
  }
  if (media === "application/x-www-form-urlencoded") {
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of new URLSearchParams(text)) out[k] = v; // last wins, as FormData.forEach does
    return out;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new APIError(400, "BAD_REQUEST", "Invalid JSON in request body");
  }
}
