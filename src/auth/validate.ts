/**
 * Body/query validation with Better Auth's error text. Better Auth validates with zod 4 and better-call
 * joins the issues as "[body.<field>] <zod message>" with "; " (better-call validator.ts fromError), so
 * the messages below are zod 4's wording for the same checks.
 */
import { APIError } from "./errors.js";
import { DEFAULT_LIMITS, type Limits } from "./limits.js";
import type { FieldRule, InputSchema } from "./types.js";

/** zod 4's z.email() default pattern ("html5"-like, the one Better Auth's schemas use). */
const EMAIL = /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

export function isEmail(value: string): boolean {
  return EMAIL.test(value);
}

/** zod 4's name for a received value ("received undefined", "received array"...). */
function received(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number" && Number.isNaN(v)) return "NaN";
  return typeof v;
}

function checkField(rule: FieldRule, v: unknown, fromQuery: boolean, cap: number | undefined): { value?: unknown; issues: string[] } {
  if (rule.type === "enum") {
    if (typeof v === "string" && rule.values.includes(v)) return { value: v, issues: [] };
    return { issues: [`Invalid option: expected one of ${rule.values.map((x) => JSON.stringify(x)).join("|")}`] };
  }
  // Query strings carry text; coerce the obvious spellings like z.coerce would for booleans/numbers.
  if (fromQuery && typeof v === "string") {
    if (rule.type === "boolean" && (v === "true" || v === "false")) v = v === "true";
    else if (rule.type === "number" && v.trim() !== "" && Number.isFinite(Number(v))) v = Number(v);
  }
  if (typeof v !== rule.type || (rule.type === "number" && !Number.isFinite(v))) {
    return { issues: [`Invalid input: expected ${rule.type}, received ${received(v)}`] };
  }
  const issues: string[] = [];
  if (rule.type === "string") {
    const s = v as string;
    if (rule.minLength !== undefined && s.length < rule.minLength)
      issues.push(`Too small: expected string to have >=${rule.minLength} characters`);
    // Every string has a cap: its own maxLength, else the field's default from limits.ts (issue 11).
    const max = rule.maxLength ?? cap;
    if (max !== undefined && s.length > max) issues.push(`Too big: expected string to have <=${max} characters`);
    if (rule.email && !isEmail(s)) issues.push("Invalid email address");
  }
  return { value: v, issues };
}

/**
 * The validated input: only the schema's fields, in schema order. Throws 400 VALIDATION_ERROR.
 * An absent body is accepted as {} when every field is optional (Better Auth's optional body schemas).
 */
export function validateInput(
  schema: InputSchema,
  input: unknown,
  where: "body" | "query",
  limits: Limits = DEFAULT_LIMITS,
): Record<string, unknown> {
  const fields = Object.entries(schema);
  if (input === undefined && fields.every(([, r]) => r.optional)) return {};
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new APIError(400, "VALIDATION_ERROR", `[${where}] Invalid input: expected object, received ${received(input)}`);
  }
  const source = input as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const messages: string[] = [];
  for (const [name, rule] of fields) {
    const v = Object.hasOwn(source, name) ? source[name] : undefined;
    if (v === undefined && rule.optional) continue;
    const { value, issues } = checkField(rule, v, where === "query", limits.stringLength(name));
    for (const issue of issues) messages.push(`[${where}.${name}] ${issue}`);
    if (issues.length === 0) out[name] = value;
  }
  if (messages.length > 0) throw new APIError(400, "VALIDATION_ERROR", messages.join("; "));
  return out;
}
