/**
 * JSON.parse behind a nesting-depth check. V8's parser recurses per level of nesting, so a 1 MiB body
 * of `[[[[...` cost 100-330 ms of main-thread time before it was refused (issue 11 item 6). This scan
 * runs first, in one pass over the text with constant work per character, and stops at the first
 * bracket past `maxDepth`: a hostile body costs at most `maxDepth` steps into its nesting, any body at
 * most one linear pass, before JSON.parse ever sees it.
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

/** Throws JsonTooDeep when `text` nests arrays/objects deeper than `maxDepth`. */
export function checkJsonDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) throw new JsonTooDeep(maxDepth);
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--; // unbalanced text is JSON.parse's to refuse
    }
  }
}

/** JSON.parse(text) once its depth is known to be at most `maxDepth`. */
export function parseJson(text: string, maxDepth: number): unknown {
  checkJsonDepth(text, maxDepth);
  return JSON.parse(text);
}
