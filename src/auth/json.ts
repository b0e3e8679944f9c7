/**
 * A nesting-depth check to run before JSON.parse. V8's parser recurses per level of nesting, so a 1 MiB body
 * of `[[[[...` cost 100-330 ms of main-thread time before it was refused (issue 11 item 6). This scan
 * runs first, in one pass over the body's bytes with constant work per byte, and stops at the first
 * bracket past `maxDepth`: a hostile body costs at most `maxDepth` steps into its nesting (before it is
 * even decoded), any body at most one linear pass, before JSON.parse ever sees it. Scanning UTF-8
 * bytes is exact: the quote, backslash and brackets are ASCII, and no byte of a multi-byte UTF-8
 * sequence is below 0x80 (RFC 3629 section 3).
 *
 * It tracks only what decides depth: inside or outside a string (RFC 8259 section 7: a string starts
 * and ends with an unescaped quote; a backslash escapes the next character), and the brackets outside
 * strings. Everything else is left for JSON.parse to judge, so the scan never accepts what JSON.parse
 * refuses.
 */
export class JsonTooDeep extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON nested deeper than ${maxDepth} levels`);
    this.name = "JsonTooDeep";
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

const encoder = new TextEncoder();

/** Throws JsonTooDeep when the JSON in `body` (UTF-8 bytes, or text) nests arrays/objects deeper than `maxDepth`. */
export function checkJsonDepth(body: Uint8Array | string, maxDepth: number): void {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  let depth = 0;
  let inString = false;
  // The next quote and backslash at or after i, each searched again only once i has passed it, so
  // both searches move forward only and the scan stays linear however strings and escapes mix.
  let quote = -1;
  let backslash = -1;
  for (let i = 0; i < bytes.length; i++) {
    if (inString) {
      // Jump to the string's end with the native search: a long string costs a memchr, not a loop.
      if (quote < i) {
        quote = bytes.indexOf(QUOTE, i);
        if (quote === -1) return; // unterminated: JSON.parse refuses it
      }
      if (backslash < i && backslash !== bytes.length) {
        backslash = bytes.indexOf(BACKSLASH, i);
        if (backslash === -1) backslash = bytes.length;
      }
      if (backslash < quote)
        i = backslash + 1; // skip the escaped character
      else {
        i = quote;
        inString = false;
      }
      continue;
    }
    const c = bytes[i];
    if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) throw new JsonTooDeep(maxDepth);
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--; // unbalanced text is JSON.parse's to refuse
    }
  }
}
