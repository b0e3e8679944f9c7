/**
 * MongoDB store on the official driver (peer dependency, major 6 or 7). Only driver types are
 * imported, so this module has no runtime dependency on either major: it calls methods on the `Db`
 * it is given.
 *
 * - Collections are named by model (optionally prefixed). `id` is the document's `_id`, stored as the
 *   string it is (see mongodb-mapping.ts); dates are BSON dates.
 * - Every atomic port operation is ONE server-side operation, atomic on one document: `update` is
 *   findOneAndUpdate with the guard as its filter, `increment` findOneAndUpdate with $inc and $set,
 *   `deleteOne` findOneAndDelete. So single use and attempt budgets hold across any number of Node
 *   processes sharing the database.
 * - Uniqueness is enforced by the unique indexes `generate` creates (run `kernia generate` once per
 *   schema change); duplicate-key errors become UniqueConstraintError.
 * - `transaction(fn)` runs fn in a session transaction when the deployment supports them (replica set
 *   or mongos, detected once with `hello`), else runs fn directly. The driver's withTransaction retries
 *   fn on transient errors, so fn must not have effects outside the store.
 */
import type { ClientSession, Collection, Db, Document, MongoClient } from "mongodb";
import { fieldToMongo, fromDocument, toDocument, toFilter, toSet, toSort, uniqueErrorFrom } from "./mongodb-mapping.js";
import { canonical, indexesFor, sameKey, validatorFor, type IndexPlan } from "./mongodb-schema.js";
import {
  checkFindOptions,
  checkIncrement,
  checkWhere,
  copyRow,
  modelOf,
  prepareChanges,
  prepareCreate,
} from "./rows.js";
import type { Adapter, FindManyOptions, Row, Schema, Store, UpsertChange, Value, Where } from "./types.js";

export interface MongodbAdapterOptions {
  /** The client that opened `db`; used for session transactions. Default: `db.client`. */
  client?: MongoClient;
  /**
   * true: always use session transactions (the server must support them); false: never;
   * "auto" (default): use them when `hello` reports a replica set or mongos.
   */
  transactions?: boolean | "auto";
  /** Prefix for every collection name, e.g. "auth_". Default "". */
  collectionPrefix?: string;
}

/** NamespaceExists: createCollection lost a race with another process creating the same collection. */
const NAMESPACE_EXISTS = 48;

async function mapErrors<T>(model: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw uniqueErrorFrom(e, model) ?? e;
  }
}

function bindMongo(db: Db, schema: Schema, prefix: string, supportsTransactions: () => Promise<MongoClient | null>): Store {
  const collection = (model: string): Collection<Document> => {
    modelOf(schema, model);
    return db.collection(prefix + model);
  };

  const make = (session: ClientSession | undefined): Store => {
    const so = session === undefined ? {} : { session };
    const store: Store = {
      async create<T extends Row = Row>(model: string, data: T): Promise<T> {
        const row = prepareCreate(model, modelOf(schema, model), data);
        await mapErrors(model, () => collection(model).insertOne(toDocument(row), so));
        return copyRow<T>(row);
      },

      async findOne<T extends Row = Row>(model: string, where: readonly Where[]): Promise<T | null> {
        const c = collection(model);
        checkWhere(model, where);
        const doc = await c.findOne(toFilter(where), so);
        return doc === null ? null : fromDocument<T>(doc);
      },

      async findMany<T extends Row = Row>(model: string, where: readonly Where[], options?: FindManyOptions): Promise<T[]> {
        const c = collection(model);
        checkWhere(model, where);
        checkFindOptions(model, options);
        // MongoDB reads limit 0 as "no limit"; the port means no rows.
        if (options?.limit === 0) return [];
        const sort = toSort(options?.sortBy);
        const docs = await c
          .find(toFilter(where), { ...so, ...(sort && { sort }), ...(options?.limit !== undefined && { limit: options.limit }) })
          .toArray();
        return docs.map((d) => fromDocument<T>(d));
      },

      async count(model: string, where: readonly Where[]): Promise<number> {
        const c = collection(model);
        checkWhere(model, where);
        return c.countDocuments(toFilter(where), so);
      },

      async update<T extends Row = Row>(model: string, where: readonly Where[], data: Partial<T>): Promise<T | null> {
        const c = collection(model);
        checkWhere(model, where);
        const changes = prepareChanges(model, modelOf(schema, model), data as Record<string, unknown>);
        // An empty $set is a server error; with nothing to change, the update is the read.
        if (Object.keys(changes).length === 0) return store.findOne<T>(model, where);
        const doc = await mapErrors(model, () =>
          c.findOneAndUpdate(toFilter(where), { $set: toSet(changes) }, { ...so, returnDocument: "after", includeResultMetadata: false }),
        );
        return doc === null ? null : fromDocument<T>(doc);
      },

      async updateMany(model: string, where: readonly Where[], data: Record<string, Value>): Promise<number> {
        const c = collection(model);
        checkWhere(model, where);
        const changes = prepareChanges(model, modelOf(schema, model), data);
        if (Object.keys(changes).length === 0) return store.count(model, where);
        const result = await mapErrors(model, () => c.updateMany(toFilter(where), { $set: toSet(changes) }, so));
        // matchedCount, not modifiedCount: a row already holding the value still "changed" for the port,
        // as in the memory adapter.
        return result.matchedCount;
      },

      async increment<T extends Row = Row>(
        model: string,
        where: readonly Where[],
        field: string,
        by: number,
        set?: Record<string, Value>,
      ): Promise<T | null> {
        const c = collection(model);
        checkWhere(model, where);
        const def = modelOf(schema, model);
        const changes = prepareChanges(model, def, set);
        checkIncrement(model, def, field, by, changes);
        const update: Document = { $inc: { [field]: by } };
        if (Object.keys(changes).length > 0) update.$set = toSet(changes);
        const doc = await mapErrors(model, () =>
          c.findOneAndUpdate(toFilter(where), update, { ...so, returnDocument: "after", includeResultMetadata: false }),
        );
        return doc === null ? null : fromDocument<T>(doc);
      },

      async findOneJoined<T extends Row = Row, J extends Row = Row>(
        model: string,
        where: readonly Where[],
        join: { model: string; field: string },
      ): Promise<{ row: T; joined: J | null } | null> {
        const c = collection(model);
        checkWhere(model, where);
        modelOf(schema, join.model);
        const docs = await c
          .aggregate(
            [
              { $match: toFilter(where) },
              { $limit: 1 },
              { $lookup: { from: prefix + join.model, localField: join.field, foreignField: "_id", as: "__joined" } },
            ],
            so,
          )
          .toArray();
        if (docs.length === 0) return null;
        const { __joined, ...doc } = docs[0] as Document & { __joined: Document[] };
        return { row: fromDocument<T>(doc), joined: __joined.length > 0 ? fromDocument<J>(__joined[0]) : null };
      },

      async createMany<T extends Row = Row>(model: string, data: readonly T[]): Promise<T[]> {
        const def = modelOf(schema, model);
        const rows = data.map((d) => prepareCreate(model, def, d));
        if (rows.length === 0) return [];
        await mapErrors(model, () => collection(model).insertMany(rows.map(toDocument), { ...so, ordered: true }));
        return rows.map((r) => copyRow<T>(r));
      },

      async upsert<T extends Row = Row>(model: string, where: readonly Where[], change: UpsertChange): Promise<T | null> {
        const c = collection(model);
        checkWhere(model, where);
        const def = modelOf(schema, model);
        const set = prepareChanges(model, def, change.set);
        const increment = change.increment ?? {};
        for (const [field, by] of Object.entries(increment)) checkIncrement(model, def, field, by, set);
        const onInsert: Document = {};
        const equalities = new Set(where.filter((w) => (w.operator ?? "eq") === "eq").map((w) => w.field));
        for (const [k, v] of Object.entries(change.create)) {
          if (v === undefined || k in set || k in increment || equalities.has(k)) continue;
          onInsert[fieldToMongo(k)] = v;
        }
        const update: Document = {};
        if (Object.keys(set).length > 0) update.$set = toSet(set);
        if (Object.keys(increment).length > 0) update.$inc = increment;
        if (Object.keys(onInsert).length > 0) update.$setOnInsert = onInsert;
        const filter = toFilter(where);
        try {
          const doc = await c.findOneAndUpdate(filter, update, { ...so, upsert: true, returnDocument: "after", includeResultMetadata: false });
          return doc === null ? null : fromDocument<T>(doc);
        } catch (e) {
          if (uniqueErrorFrom(e, model) === undefined) throw e;
          // The key exists but the guard did not match it (the insert collided), or a concurrent upsert
          // created it first: apply the change only where the guard holds.
          const { $setOnInsert: _, ...existing } = update;
          if (Object.keys(existing).length === 0) {
            const doc = await c.findOne(filter, so);
            return doc === null ? null : fromDocument<T>(doc);
          }
          const doc = await mapErrors(model, () =>
            c.findOneAndUpdate(filter, existing, { ...so, returnDocument: "after", includeResultMetadata: false }),
          );
          return doc === null ? null : fromDocument<T>(doc);
        }
      },

      async deleteOne<T extends Row = Row>(model: string, where: readonly Where[]): Promise<T | null> {
        const c = collection(model);
        checkWhere(model, where);
        const doc = await c.findOneAndDelete(toFilter(where), { ...so, includeResultMetadata: false });
        return doc === null ? null : fromDocument<T>(doc);
      },

      async deleteMany(model: string, where: readonly Where[]): Promise<number> {
        const c = collection(model);
        checkWhere(model, where);
        return (await c.deleteMany(toFilter(where), so)).deletedCount;
      },

      async transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
        // Nested calls join the outer transaction.
        if (session !== undefined) return fn(store);
        const client = await supportsTransactions();
        if (client === null) return fn(store);
        const s = client.startSession();
        try {
          let result: T | undefined;
          // The result is captured rather than taken from withTransaction's return value, which
          // changed between driver majors.
          await s.withTransaction(async () => {
            result = await fn(make(s));
          });
          return result as T;
        } finally {
          await s.endSession();
        }
      },
    };
    return store;
  };
  return make(undefined);
}

/** Whether `hello` describes a deployment with transactions: a replica set member or a mongos. */
async function deploymentHasTransactions(db: Db): Promise<boolean> {
  let hello: Document;
  try {
    hello = await db.admin().command({ hello: 1 });
  } catch {
    // Servers before 4.4.2 (5.0 for some) only know the legacy spelling.
    hello = await db.admin().command({ isMaster: 1 });
  }
  return typeof hello.setName === "string" || hello.msg === "isdbgrid";
}

async function generate(
  db: Db,
  schema: Schema,
  prefix: string,
  options: { dryRun?: boolean; log?: (line: string) => void } = {},
): Promise<void> {
  const dryRun = options.dryRun === true;
  const log = options.log ?? ((line: string) => console.log(line));
  const existing = new Map<string, Document>();
  for (const info of await db.listCollections({}, { nameOnly: false }).toArray()) {
    existing.set(info.name, (info as { options?: Document }).options ?? {});
  }
  for (const [model, def] of Object.entries(schema)) {
    const name = prefix + model;
    const validator = validatorFor(def);
    const stored = existing.get(name);
    if (stored === undefined) {
      if (!dryRun) {
        try {
          await db.createCollection(name, { validator, validationLevel: "moderate" });
        } catch (e) {
          if ((e as { code?: unknown }).code !== NAMESPACE_EXISTS) throw e;
        }
      }
      log(`${dryRun ? "would create" : "created"} collection ${name} (validator: ${Object.keys(def.fields).length} fields)`);
    } else if (stored.validator === undefined || canonical(stored.validator) !== canonical(validator) || stored.validationLevel !== "moderate") {
      // A plugin added or changed fields since the last run: bring the validator up to date.
      if (!dryRun) await db.command({ collMod: name, validator, validationLevel: "moderate" });
      log(`${dryRun ? "would update" : "updated"} validator of collection ${name}`);
    } else {
      log(`found collection ${name}`);
    }

    const present = stored === undefined && dryRun ? [] : await db.collection(name).listIndexes().toArray();
    for (const plan of indexesFor(def)) {
      const match = present.find((ix) => sameKey(ix.key as Document, plan.key));
      if (match !== undefined) {
        checkCompatible(name, match, plan);
        log(`found index ${name}.${Object.keys(plan.key).join(",")} (${plan.describe})`);
        continue;
      }
      if (!dryRun) {
        await db.collection(name).createIndex(plan.key, {
          name: plan.name,
          ...(plan.unique && { unique: true }),
          ...(plan.partialFilterExpression && { partialFilterExpression: plan.partialFilterExpression }),
          ...(plan.expireAfterSeconds !== undefined && { expireAfterSeconds: plan.expireAfterSeconds }),
        });
      }
      log(`${dryRun ? "would create" : "created"} index ${name}.${Object.keys(plan.key).join(",")} (${plan.describe})`);
    }
  }
}

/**
 * An index on the same key made by someone else must still do our index's job; a non-unique index
 * where uniqueness is needed would silently allow duplicate emails or tokens, so it is an error.
 */
function checkCompatible(collection: string, found: Document, plan: IndexPlan): void {
  const problem =
    plan.unique === true && found.unique !== true
      ? "is not unique"
      : plan.expireAfterSeconds !== undefined && found.expireAfterSeconds !== plan.expireAfterSeconds
        ? `has expireAfterSeconds ${String(found.expireAfterSeconds)} instead of ${plan.expireAfterSeconds}`
        : plan.unique === true && found.partialFilterExpression === undefined
          ? // sparse is not enough: it skips missing fields but still indexes explicit nulls.
            "is unique over null values too (rows without a value would collide)"
          : undefined;
  if (problem !== undefined) {
    throw new Error(
      `kernia generate: index ${String(found.name)} on ${collection}.${Object.keys(plan.key).join(",")} ${problem}; ` +
        `drop it and run generate again so the ${plan.describe} index can be created`,
    );
  }
}

/** The MongoDB adapter over a connected database. */
export function mongodbAdapter(db: Db, options: MongodbAdapterOptions = {}): Adapter {
  const prefix = options.collectionPrefix ?? "";
  const mode = options.transactions ?? "auto";
  const client = options.client ?? db.client;
  let detected: Promise<MongoClient | null> | undefined;
  const supportsTransactions = (): Promise<MongoClient | null> => {
    if (mode === false) return Promise.resolve(null);
    if (mode === true) return Promise.resolve(client);
    detected ??= deploymentHasTransactions(db).then(
      (yes) => (yes ? client : null),
      (e) => {
        detected = undefined; // a network blip must not disable transactions for the process lifetime
        throw e;
      },
    );
    return detected;
  };
  return {
    name: "mongodb",
    bind: (schema) => bindMongo(db, schema, prefix, supportsTransactions),
    generate: (schema, generateOptions) => generate(db, schema, prefix, generateOptions),
  };
}
