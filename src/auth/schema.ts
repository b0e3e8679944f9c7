/**
 * The core models and the merge of plugin schemas. Field order matters: user and session objects are
 * sent in schema order (then `id`), which is the key order Better Auth's responses show.
 */
import type { Schema } from "../adapters/types.js";
import type { Plugin } from "./types.js";

function coreSchema(): Schema {
  return {
    user: {
      fields: {
        name: { type: "string", required: true },
        email: { type: "string", required: true, unique: true },
        emailVerified: { type: "boolean", required: true, defaultValue: false },
        image: { type: "string" },
        createdAt: { type: "date", required: true },
        updatedAt: { type: "date", required: true },
      },
    },
    session: {
      fields: {
        expiresAt: { type: "date", required: true },
        token: { type: "string", required: true, unique: true },
        createdAt: { type: "date", required: true },
        updatedAt: { type: "date", required: true },
        ipAddress: { type: "string" },
        userAgent: { type: "string" },
        userId: { type: "string", required: true, index: true, references: { model: "user", field: "id" } },
      },
      expiresAtField: "expiresAt",
    },
    account: {
      fields: {
        accountId: { type: "string", required: true },
        providerId: { type: "string", required: true },
        userId: { type: "string", required: true, index: true, references: { model: "user", field: "id" } },
        password: { type: "string", returned: false },
        createdAt: { type: "date", required: true },
        updatedAt: { type: "date", required: true },
      },
    },
    verification: {
      fields: {
        identifier: { type: "string", required: true, index: true },
        value: { type: "string", required: true, index: true }, // account tokens: one live link per grant
        expiresAt: { type: "date", required: true },
        createdAt: { type: "date" },
        updatedAt: { type: "date" },
      },
      expiresAtField: "expiresAt",
    },
    // One row per key and fixed window (rate-limit.ts); dead once its window ends.
    rateLimit: {
      fields: {
        key: { type: "string", required: true, unique: true },
        count: { type: "number", required: true },
        expiresAt: { type: "date", required: true },
      },
      expiresAtField: "expiresAt",
    },
  };
}

/** Core models plus every plugin's, merged by model name: new models added, extra fields appended. */
export function buildSchema(plugins: readonly Plugin[]): Schema {
  const schema = coreSchema();
  for (const plugin of plugins) {
    for (const [model, def] of Object.entries(plugin.schema ?? {})) {
      const existing = schema[model];
      if (existing === undefined) {
        schema[model] = { ...def, fields: { ...def.fields } };
      } else {
        existing.fields = { ...existing.fields, ...def.fields };
        if (def.expiresAtField !== undefined) existing.expiresAtField = def.expiresAtField;
      }
    }
  }
  return schema;
}
