/**
 * Reading a request body at the HTTP boundary: size cap, media type, JSON/form parsing, with
 * better-call's error answers (415 UNSUPPORTED_MEDIA_TYPE, 400 "Invalid JSON in request body").
 */
import { APIError, BASE_ERROR_CODES } from "./errors.js";

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

const utf8Fatal = new TextDecoder("utf-8", { fatal: true });

/**
 * The parsed body, or undefined when the request has none. Only `application/json` is accepted
 * (parameters allowed), plus `application/x-www-form-urlencoded` when `allowForm`. Checks in order:
 * media type (415), declared Content-Length over `limit` (413, nothing read), bytes over `limit` (413).
 */
export async function readBody(headers: Headers, body: BodySource, allowForm: boolean, limit: number): Promise<unknown> {
  if (body === null) return undefined;
  const contentType = headers.get("content-type") ?? "";
  const media = contentType.split(";")[0].trim().toLowerCase();
  const allowed = allowForm ? ["application/x-www-form-urlencoded", "application/json"] : ["application/json"];
  if (!allowed.includes(media)) {
    const list = allowed.join(", ");
    throw new APIError(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      contentType ? `Content-Type "${contentType}" is not allowed. Allowed types: ${list}` : `Content-Type is required. Allowed types: ${list}`,
    );
  }
  const declared = Number(headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) throw payloadTooLarge();
  const bytes = typeof body === "function" ? await body(limit) : body;
  if (bytes.byteLength > limit) throw payloadTooLarge();
  if (bytes.byteLength === 0) return undefined; // same as no body, whichever way the adapter built it
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
