/**
 * MongoDB store on the official driver (peer dependency, major 6 or 7). Only driver types are
 * imported, so this module has no runtime dependency on either major: it calls methods on the `Db`
 * it is given.
 *
 * - Collections are named by model (optionally prefixed). `id` is the document's `_id`, stored as the
 *   string it is (see mongodb-mapping.ts); dates are BSON dates.
 * - Every atomic port operation is ONE server-side operation, atomic on one document: `update` is
 *   findOneAndUpdate with the guard as its filter, `increment` findOneAndUpdate with $inc and $set,
 *   `deleteOne` findOneAndDelete, `upsert` findOneAndUpdate with upsert. So single use and attempt
 *   budgets hold across any number of Node processes sharing the database.
 * - Durability: every write is sent with write concern `{w: "majority"}` and every read with read
 *   preference primary, whatever the connection string says (options `writeConcern`/`readPreference`).
 *   A single-use claim acknowledged by the primary alone can be rolled back at a failover ("Rollbacks
 *   During Replica Set Failover": only majority-acknowledged writes are guaranteed to survive), and the
 *   code would be usable again; a secondary read may not see a claim made a moment ago.
 * - Retryable: a write whose filter is exactly one equality on `id` is sent as a single-document
 *   command (deleteOne, findOneAndUpdate), which the driver retries once after a network error or a
 *   primary change; multi-document deletes and updates are never retried (manual, "Retryable Writes":
 *   deleteMany/updateMany are not retryable). Undo steps by id therefore survive a blip.
 * - Uniqueness is enforced by the unique indexes `generate` creates (`kernia generate`). The adapter
 *   checks, once per collection and process (one listIndexes), that they exist before its first write
 *   to a collection with a unique field, and refuses writes until they do (fail closed: without them
 *   a duplicate email or a second twoFactor row per user would be accepted). Duplicate-key errors
 *   become UniqueConstraintError.
 * - Outages: the driver's client-side operation timeout (`timeoutMS`, "CSOT") cannot be used: in the
 *   supported drivers (6.22, 7.9) it is deprecated and a no-op ("timeoutMS is a no-op, so a CSOT
 *   context is never created", driver lib/timeout.js), and a per-operation option cannot shorten the
 *   client's serverSelectionTimeoutMS (30 s by default). So the adapter bounds each operation itself:
 *   it stops waiting after `timeoutMS` (default 5000 ms) and throws StoreUnavailableError; reads and
 *   findAndModify also carry `maxTimeMS` so the server gives up too, and the default write concern
 *   carries `wtimeoutMS` so a primary without a reachable majority does not wait forever. After an
 *   unavailability error the limit is `unavailableTimeoutMS` (1000 ms) until an operation succeeds, so
 *   the undo steps of a failing request and the requests during an outage fail fast. Give the client
 *   MONGODB_CLIENT_OPTIONS too, so the operations the adapter stopped waiting for are also abandoned
 *   by the driver within seconds. Server selection, network and timeout errors become
 *   StoreUnavailableError (the core answers 503).
 */
import type { Collection, Db, Document, ReadPreferenceMode, WriteConcernSettings } from "mongodb";
import { fieldToMongo, fromDocument, toDocument, toFilter, toSet, toSort, uniqueErrorFrom } from "./mongodb-mapping.js";
import { canonical, indexDifferences, indexesFor, partialTypes, sameKey, validatorFor, type IndexPlan } from "./mongodb-schema.js";
import {
  checkFindOptions,
  checkWhere,
  copyRow,
  equalities,
  modelOf,
  prepareChanges,
  prepareCreate,
  prepareIncrement,
  prepareUpsert,
  uniqueFields,
} from "./rows.js";
import {
  StoreUnavailableError,
  type Adapter,
  type FindManyOptions,
  type GenerateOptions,
  type ModelDef,
  type Row,
  type Schema,
  type Store,
  type UpsertChange,
  type Value,
  type Where,
} from "./types.js";

export interface MongodbAdapterOptions {
  /** Prefix for every collection name, e.g. "auth_". Default "". */
  collectionPrefix?: string;
  /**
   * Write concern of every write. Default `{w: "majority", wtimeoutMS: timeoutMS}`. Weakening it (`{w: 1}`) lets a failover
   * roll back acknowledged single-use claims (a spent backup code or TOTP step becomes usable again)
   * and lockout counters; see docs/mongodb.md.
   */
  writeConcern?: WriteConcernSettings;
  /**
   * Read preference of every read. Default "primary". A secondary may lag: a read of rule state there
   * can miss a session revocation, a lockout or a spent code made a moment ago.
   */
  readPreference?: ReadPreferenceMode;
  /**
   * How long the adapter waits for each operation, in ms (also sent as maxTimeMS on reads and
   * findAndModify, and as wtimeoutMS of the default write concern). Default 5000. 0: no limit (not
   * recommended: an unreachable server then holds each request for the client's server selection
   * timeout, 30 s by default).
   */
  timeoutMS?: number;
  /** The time limit while the store is unavailable (after such an error, until a success). Default 1000. */
  unavailableTimeoutMS?: number;
  /** Check that the unique indexes exist before the first write per collection. Default true. */
  verifyIndexes?: boolean;
  /** How long a failed index check is remembered before the next write checks again. Default 10 000 ms. */
  indexRecheckMS?: number;
}

/** NamespaceExists: createCollection lost a race with another process creating the same collection. */
const NAMESPACE_EXISTS = 48;

const UNAVAILABLE_NAMES = new Set([
  "MongoServerSelectionError",
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoOperationTimeoutError",
  "MongoNotConnectedError",
  "MongoTopologyClosedError",
  "MongoPoolClearedError",
  "StoreTimeoutError",
]);
/**
 * Server error codes of a store that is failing over or overloaded (server's error_codes.yml): 50
 * MaxTimeMSExpired, 91 ShutdownInProgress, 189 PrimarySteppedDown, 262 ExceededTimeLimit, 10107
 * NotWritablePrimary, 11600 InterruptedAtShutdown, 11602 InterruptedDueToReplStateChange, 13435
 * NotPrimaryNoSecondaryOk, 13436 NotPrimaryOrSecondary, 64 WriteConcernTimeout (waiting for the majority).
 */
const UNAVAILABLE_CODES = new Set([50, 64, 91, 189, 262, 10107, 11600, 11602, 13435, 13436]);

/** Whether a driver error means "the store did not answer", by name and code (works for driver 6 and 7). */
export function isUnavailable(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const { name, code } = e as { name?: unknown; code?: unknown };
  if (typeof name === "string" && UNAVAILABLE_NAMES.has(name)) return true;
  if (typeof code === "number" && UNAVAILABLE_CODES.has(code)) return true;
  const wce = (e as { writeConcernError?: { code?: unknown } }).writeConcernError;
  return typeof wce?.code === "number" && UNAVAILABLE_CODES.has(wce.code);
}

/** Thrown by `bounded` when the driver has not answered within the time limit. */
class StoreTimeoutError extends Error {
  override readonly name = "StoreTimeoutError";
}

/**
 * `p`, or a StoreTimeoutError once `ms` (plus a little, so a server-side maxTimeMS error normally
 * wins) has passed. Needed because nothing per operation shortens the driver's server selection
 * (serverSelectionTimeoutMS, 30 s by default, also for the connect a never-connected client runs
 * first). The abandoned operation may still complete; callers treat the error as "unknown outcome",
 * as with a lost reply.
 */
export function bounded<T>(p: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined || !(ms > 0)) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    // Not unref'd: it is cleared as soon as the operation settles, and until then it is the answer.
    timer = setTimeout(() => reject(new StoreTimeoutError(`no answer within ${ms} ms`)), ms + 100);
  });
  p.catch(() => {}); // a late failure of the abandoned operation is not an unhandled rejection
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** The unique indexes a collection lacks, as "field (index name)" phrases. */
function missingUnique(def: ModelDef, present: readonly Document[]): string[] {
  return indexesFor(def)
    .filter((plan) => plan.unique === true)
    .filter((plan) => !present.some((ix) => sameKey(ix.key as Document, plan.key) && ix.unique === true))
    .map((plan) => `${Object.keys(plan.key).join(",")} (${plan.name})`);
}

/** Thrown by writes while the unique indexes the schema needs are missing. */
export class MissingIndexError extends Error {
  constructor(collection: string, missing: readonly string[]) {
    super(
      `kernia mongodb: collection ${collection} lacks the unique index on ${missing.join(", ")} that the auth rules need; ` +
        "writes are refused until it exists: run `kernia generate`",
    );
    this.name = "MissingIndexError";
  }
}

interface Settings {
  prefix: string;
  writeConcern: WriteConcernSettings;
  readPreference: ReadPreferenceMode;
  timeoutMS: number;
  unavailableTimeoutMS: number;
  verifyIndexes: boolean;
  indexRecheckMS: number;
}

function bindMongo(db: Db, schema: Schema, settings: Settings): Store {
  const { prefix } = settings;
  const collection = (model: string): Collection<Document> => {
    modelOf(schema, model);
    return db.collection(prefix + model);
  };
  const typed = new Map<string, ReadonlyMap<string, string>>();
  const filterOf = (model: string, where: readonly Where[]): Document => {
    let t = typed.get(model);
    if (t === undefined) typed.set(model, (t = partialTypes(modelOf(schema, model))));
    return toFilter(where, t);
  };

  // Outage handling: the time limit of the next operation, shortened after an unavailability error.
  let unavailable = false;
  const limit = (): number | undefined => {
    const ms = unavailable ? Math.min(settings.unavailableTimeoutMS, settings.timeoutMS || Infinity) : settings.timeoutMS;
    return ms > 0 && Number.isFinite(ms) ? ms : undefined;
  };
  const serverLimit = () => {
    const ms = limit();
    return ms === undefined ? {} : { maxTimeMS: ms };
  };
  const read = () => ({ readPreference: settings.readPreference, ...serverLimit() });
  const write = () => ({ writeConcern: settings.writeConcern });
  const modify = () => ({ writeConcern: settings.writeConcern, ...serverLimit() });

  async function call<T>(model: string, op: () => Promise<T>): Promise<T> {
    try {
      const result = await bounded(op(), limit());
      unavailable = false;
      return result;
    } catch (e) {
      if (isUnavailable(e)) {
        unavailable = true;
        throw new StoreUnavailableError(model, e);
      }
      throw uniqueErrorFrom(e, model) ?? e;
    }
  }

  // Fail closed without the unique indexes: one listIndexes per collection, success cached for the process.
  const verified = new Map<string, Promise<void> | { failedAt: number; error: Error }>();
  async function ready(model: string): Promise<void> {
    if (!settings.verifyIndexes) return;
    const def = modelOf(schema, model);
    if (uniqueFields(def).length === 0) return;
    const state = verified.get(model);
    if (state instanceof Promise) return state;
    if (state !== undefined && Date.now() - state.failedAt < settings.indexRecheckMS) throw state.error;
    const check = call(model, () => collection(model).listIndexes().toArray()).then(
      (present) => {
        const missing = missingUnique(def, present);
        if (missing.length > 0) throw new MissingIndexError(prefix + model, missing);
      },
      (e: unknown) => {
        // A collection that does not exist has no indexes (NamespaceNotFound, 26).
        if ((e as { code?: unknown }).code === 26) throw new MissingIndexError(prefix + model, missingUnique(def, []));
        throw e;
      },
    );
    verified.set(model, check);
    try {
      await check;
    } catch (e) {
      if (e instanceof MissingIndexError) verified.set(model, { failedAt: Date.now(), error: e });
      else verified.delete(model); // an outage is not a verdict on the indexes
      throw e;
    }
  }

  /** The id of a filter that is exactly one equality on id: such writes go out as single-document commands. */
  const singleId = (where: readonly Where[]): string | undefined =>
    where.length === 1 && where[0].field === "id" && (where[0].operator ?? "eq") === "eq" && typeof where[0].value === "string"
      ? where[0].value
      : undefined;

  const store: Store = {
    async create<T extends Row = Row>(model: string, data: T): Promise<T> {
      const row = prepareCreate(model, modelOf(schema, model), data);
      await ready(model);
      await call(model, () => collection(model).insertOne(toDocument(row), write()));
      return copyRow<T>(row);
    },

    async findOne<T extends Row = Row>(model: string, where: readonly Where[]): Promise<T | null> {
      const c = collection(model);
      checkWhere(model, where);
      const doc = await call(model, () => c.findOne(filterOf(model, where), read()));
      return doc === null ? null : fromDocument<T>(doc);
    },

    async findMany<T extends Row = Row>(model: string, where: readonly Where[], options?: FindManyOptions): Promise<T[]> {
      const c = collection(model);
      checkWhere(model, where);
      checkFindOptions(model, options);
      // MongoDB reads limit 0 as "no limit"; the port means no rows.
      if (options?.limit === 0) return [];
      const sort = toSort(options?.sortBy);
      const docs = await call(model, () =>
        c
          .find(filterOf(model, where), { ...read(), ...(sort && { sort }), ...(options?.limit !== undefined && { limit: options.limit }) })
          .toArray(),
      );
      return docs.map((d) => fromDocument<T>(d));
    },

    async count(model: string, where: readonly Where[]): Promise<number> {
      const c = collection(model);
      checkWhere(model, where);
      return call(model, () => c.countDocuments(filterOf(model, where), read()));
    },

    async update<T extends Row = Row>(model: string, where: readonly Where[], data: Partial<T>): Promise<T | null> {
      const c = collection(model);
      checkWhere(model, where);
      const changes = prepareChanges(model, modelOf(schema, model), data as Record<string, unknown>);
      // An empty $set is a server error; with nothing to change, the update is the read.
      if (Object.keys(changes).length === 0) return store.findOne<T>(model, where);
      await ready(model);
      const doc = await call(model, () =>
        c.findOneAndUpdate(
          filterOf(model, where),
          { $set: toSet(changes) },
          { ...modify(), returnDocument: "after", includeResultMetadata: false },
        ),
      );
      return doc === null ? null : fromDocument<T>(doc);
    },

    async increment<T extends Row = Row>(
      model: string,
      where: readonly Where[],
      field: string,
      by: number,
      set?: Record<string, Value>,
    ): Promise<T | null> {
      const c = collection(model);
      const changes = prepareIncrement(model, modelOf(schema, model), where, field, by, set);
      const update: Document = { $inc: { [field]: by } };
      if (Object.keys(changes).length > 0) update.$set = toSet(changes);
      await ready(model);
      const doc = await call(model, () =>
        c.findOneAndUpdate(filterOf(model, where), update, { ...modify(), returnDocument: "after", includeResultMetadata: false }),
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
      if (typeof join.field !== "string" || join.field === "" || join.field.startsWith("$") || join.field.includes(".")) {
        throw new TypeError(`kernia store: ${model}: join field must be a plain field name`);
      }
      // One aggregate: the row by its filter (an index lookup), then the joined row by _id, the
      // _id index of the other collection. The joined row lands under a name no schema field can take.
      const docs = await call(model, () =>
        c
          .aggregate(
            [
              { $match: filterOf(model, where) },
              { $limit: 1 },
              { $lookup: { from: prefix + join.model, localField: fieldToMongo(join.field), foreignField: "_id", as: JOINED } },
            ],
            read(),
          )
          .toArray(),
      );
      if (docs.length === 0) return null;
      const { [JOINED]: joined, ...doc } = docs[0] as Document;
      const first = Array.isArray(joined) && joined.length > 0 ? (joined[0] as Document) : undefined;
      return { row: fromDocument<T>(doc), joined: first === undefined ? null : fromDocument<J>(first) };
    },

    async createMany<T extends Row = Row>(model: string, data: readonly T[]): Promise<T[]> {
      const def = modelOf(schema, model);
      if (!Array.isArray(data)) throw new TypeError(`kernia store: ${model}: createMany expects an array`);
      const rows = data.map((d) => prepareCreate(model, def, d));
      if (rows.length === 0) return [];
      await ready(model);
      // Ordered: the server stops at the first duplicate, so rows after it are never written.
      await call(model, () => collection(model).insertMany(rows.map(toDocument), { ...write(), ordered: true }));
      return rows.map((r) => copyRow<T>(r));
    },

    async upsert<T extends Row = Row>(model: string, where: readonly Where[], change: UpsertChange): Promise<T | null> {
      const c = collection(model);
      const def = modelOf(schema, model);
      const { key, set, increment } = prepareUpsert(model, def, where, change);
      const createRow = prepareCreate(model, def, { ...change.create, ...equalities(where), ...set, ...increment });
      const onInsert: Document = {};
      const idInFilter = where.some((w) => w.field === "id" && (w.operator ?? "eq") === "eq");
      for (const [k, v] of Object.entries(createRow)) {
        if ((k === "id" && idInFilter) || k in set || k in increment) continue;
        // Equalities of the filter are copied into an inserted document by the server, but only plain
        // ones; those that carry a $type (partial index fields) are set here explicitly.
        onInsert[fieldToMongo(k)] = v;
      }
      const update: Document = {};
      if (Object.keys(set).length > 0) update.$set = toSet(set);
      if (Object.keys(increment).length > 0) update.$inc = increment;
      if (Object.keys(onInsert).length > 0) update.$setOnInsert = onInsert;
      const filter = filterOf(model, where);
      await ready(model);
      try {
        const doc = await call(model, () =>
          c.findOneAndUpdate(filter, update, { ...modify(), upsert: true, returnDocument: "after", includeResultMetadata: false }),
        );
        return doc === null ? null : fromDocument<T>(doc);
      } catch (e) {
        // A duplicate on the key: the row exists but the guard did not match it (the upsert's insert
        // collided), or a concurrent upsert created it first. The server retries the second case itself
        // only when the filter is nothing but equalities on the unique index's fields (manual,
        // findAndModify, "Upsert with Duplicate Values"); a guard or a $type rules that out, so the
        // adapter applies the change once more, now without upsert, where the guard holds.
        if (!(e instanceof Error && e.name === "UniqueConstraintError" && (e as { field?: string }).field === key.field)) throw e;
        const { $setOnInsert: _, ...existing } = update;
        if (Object.keys(existing).length === 0) {
          const doc = await call(model, () => c.findOne(filter, read()));
          return doc === null ? null : fromDocument<T>(doc);
        }
        const doc = await call(model, () =>
          c.findOneAndUpdate(filter, existing, { ...modify(), returnDocument: "after", includeResultMetadata: false }),
        );
        return doc === null ? null : fromDocument<T>(doc);
      }
    },

    async deleteOne<T extends Row = Row>(model: string, where: readonly Where[]): Promise<T | null> {
      const c = collection(model);
      checkWhere(model, where);
      const doc = await call(model, () => c.findOneAndDelete(filterOf(model, where), { ...modify(), includeResultMetadata: false }));
      return doc === null ? null : fromDocument<T>(doc);
    },

    async deleteMany(model: string, where: readonly Where[]): Promise<number> {
      const c = collection(model);
      checkWhere(model, where);
      const id = singleId(where);
      // At most one row can match an equality on _id: a deleteOne, which the driver retries.
      if (id !== undefined) return (await call(model, () => c.deleteOne({ _id: { $eq: id } } as Document, write()))).deletedCount;
      return (await call(model, () => c.deleteMany(filterOf(model, where), write()))).deletedCount;
    },
  };
  return store;
}

const JOINED = "__kernia_joined";

/** What generate will do, worked out in full before anything is written. */
type Step =
  | { kind: "createCollection"; name: string; validator: Document; fields: number }
  | { kind: "updateValidator"; name: string; validator: Document }
  | { kind: "foundCollection"; name: string }
  | { kind: "createIndex"; collection: string; plan: IndexPlan }
  | { kind: "fixTtl"; collection: string; plan: IndexPlan; found: Document }
  | { kind: "foundIndex"; collection: string; plan: IndexPlan };

/** An existing index generate must not silently keep or replace; the message says what to run. */
export class GenerateConflictError extends Error {
  override readonly name = "GenerateConflictError";
}

const keyText = (key: Document) => Object.keys(key).join(",");

async function planGenerate(db: Db | undefined, schema: Schema, prefix: string, timeoutMS: number): Promise<Step[]> {
  const t = timeoutMS > 0 ? { maxTimeMS: timeoutMS } : {};
  const existing = new Map<string, Document>();
  if (db !== undefined) {
    for (const info of await bounded(db.listCollections({}, { nameOnly: false, ...t }).toArray(), timeoutMS)) {
      existing.set(info.name, (info as { options?: Document }).options ?? {});
    }
  }
  const steps: Step[] = [];
  const conflicts: string[] = [];
  for (const [model, def] of Object.entries(schema)) {
    const name = prefix + model;
    const validator = validatorFor(def);
    const stored = existing.get(name);
    if (stored === undefined) steps.push({ kind: "createCollection", name, validator, fields: Object.keys(def.fields).length });
    else if (
      stored.validator === undefined ||
      canonical(stored.validator) !== canonical(validator) ||
      stored.validationLevel !== "moderate"
    ) {
      // A plugin added or changed fields since the last run: bring the validator up to date.
      steps.push({ kind: "updateValidator", name, validator });
    } else steps.push({ kind: "foundCollection", name });

    const present = stored === undefined || db === undefined ? [] : await bounded(db.collection(name).listIndexes().toArray(), timeoutMS);
    for (const plan of indexesFor(def)) {
      const match = present.find((ix) => sameKey(ix.key as Document, plan.key));
      if (match === undefined) {
        const named = present.find((ix) => ix.name === plan.name);
        if (named !== undefined) {
          conflicts.push(
            `index ${plan.name} on ${name} has key ${JSON.stringify(named.key)}, not ${JSON.stringify(plan.key)}; ` +
              `drop it and run generate again: db.getCollection(${JSON.stringify(name)}).dropIndex(${JSON.stringify(plan.name)})`,
          );
        } else steps.push({ kind: "createIndex", collection: name, plan });
        continue;
      }
      const diff = indexDifferences(match, plan);
      if (diff.other.length > 0) {
        // Dropping and re-creating a unique index leaves a window without the rule; generate never
        // does that on its own, it names the exact command instead.
        conflicts.push(
          `index ${String(match.name)} on ${name}.${keyText(plan.key)} ${diff.other.join(", ")}, so it cannot serve as the ${plan.describe} index; ` +
            `drop it and run generate again: db.getCollection(${JSON.stringify(name)}).dropIndex(${JSON.stringify(String(match.name))})`,
        );
      } else if (diff.ttl) steps.push({ kind: "fixTtl", collection: name, plan, found: match });
      else steps.push({ kind: "foundIndex", collection: name, plan });
    }
  }
  if (conflicts.length > 0) throw new GenerateConflictError(`kernia generate: nothing was changed:\n  ${conflicts.join("\n  ")}`);
  return steps;
}

async function generate(db: Db, schema: Schema, prefix: string, timeoutMS: number, options: GenerateOptions = {}): Promise<void> {
  const dryRun = options.dryRun === true || options.offline === true;
  const log = options.log ?? ((line: string) => console.log(line));
  // Index builds can take long on a big collection: writes are not cut off, only waits for the server.
  const t = {};
  let steps: Step[];
  try {
    steps = await planGenerate(options.offline === true ? undefined : db, schema, prefix, timeoutMS);
  } catch (e) {
    if (isUnavailable(e)) throw new StoreUnavailableError("generate", e);
    throw e;
  }
  const would = (done: string, planned: string) => (dryRun ? planned : done);
  for (const step of steps) {
    try {
      switch (step.kind) {
        case "createCollection":
          if (!dryRun) {
            try {
              await db.createCollection(step.name, { validator: step.validator, validationLevel: "moderate", ...t });
            } catch (e) {
              if ((e as { code?: unknown }).code !== NAMESPACE_EXISTS) throw e;
            }
          }
          log(`${would("created", "would create")} collection ${step.name} (validator: ${step.fields} fields)`);
          break;
        case "updateValidator":
          if (!dryRun) await db.command({ collMod: step.name, validator: step.validator, validationLevel: "moderate" }, t);
          log(`${would("updated", "would update")} validator of collection ${step.name}`);
          break;
        case "foundCollection":
          log(`found collection ${step.name}`);
          break;
        case "createIndex": {
          const { plan } = step;
          if (!dryRun) {
            await db.collection(step.collection).createIndex(plan.key, {
              name: plan.name,
              ...(plan.unique && { unique: true }),
              ...(plan.partialFilterExpression && { partialFilterExpression: plan.partialFilterExpression }),
              ...(plan.expireAfterSeconds !== undefined && { expireAfterSeconds: plan.expireAfterSeconds }),
              ...t,
            });
          }
          log(`${would("created", "would create")} index ${step.collection}.${keyText(plan.key)} (${plan.describe})`);
          break;
        }
        case "fixTtl": {
          // collMod changes a TTL index's expireAfterSeconds in place (manual, collMod, "Change
          // Expiration Value for Indexes"; since 5.1 it also turns a plain single-field index into a
          // TTL index), so no window without the index.
          if (!dryRun) {
            await db.command(
              { collMod: step.collection, index: { keyPattern: step.plan.key, expireAfterSeconds: step.plan.expireAfterSeconds } },
              t,
            );
          }
          log(
            `${would("updated", "would update")} index ${step.collection}.${keyText(step.plan.key)} (${step.plan.describe}): ` +
              `expireAfterSeconds ${String(step.found.expireAfterSeconds ?? "none")} -> ${String(step.plan.expireAfterSeconds)}`,
          );
          break;
        }
        case "foundIndex":
          log(`found index ${step.collection}.${keyText(step.plan.key)} (${step.plan.describe})`);
          break;
      }
    } catch (e) {
      if (isUnavailable(e)) throw new StoreUnavailableError("generate", e);
      throw e;
    }
  }
}

/** The MongoDB adapter over a database handle (`client.db(name)`). */
export function mongodbAdapter(db: Db, options: MongodbAdapterOptions = {}): Adapter {
  const timeoutMS = options.timeoutMS ?? DEFAULT_TIMEOUT_MS;
  const settings: Settings = {
    prefix: options.collectionPrefix ?? "",
    writeConcern: options.writeConcern ?? { w: "majority", ...(timeoutMS > 0 && { wtimeoutMS: timeoutMS }) },
    readPreference: options.readPreference ?? "primary",
    timeoutMS,
    unavailableTimeoutMS: options.unavailableTimeoutMS ?? DEFAULT_UNAVAILABLE_TIMEOUT_MS,
    verifyIndexes: options.verifyIndexes ?? true,
    indexRecheckMS: options.indexRecheckMS ?? 10_000,
  };
  return {
    name: "mongodb",
    bind: (schema) => bindMongo(db, schema, settings),
    generate: (schema, generateOptions) => generate(db, schema, settings.prefix, settings.timeoutMS, generateOptions),
  };
}

/**
 * Options for the MongoClient the adapter is given: `new MongoClient(uri, { ...MONGODB_CLIENT_OPTIONS,
 * ...yours })`. The adapter stops waiting after its own time limit whatever the client does; these make
 * the driver give up on the abandoned operations within seconds too (its defaults: 30 s server
 * selection, no socket timeout), so an outage does not pile up waiting operations.
 */
export const MONGODB_CLIENT_OPTIONS = Object.freeze({
  serverSelectionTimeoutMS: 5000,
  connectTimeoutMS: 5000,
  socketTimeoutMS: 30_000,
});

/** Each operation's time limit unless configured: a few seconds, well under a client's request timeout. */
export const DEFAULT_TIMEOUT_MS = 5000;
/** The time limit while the store is unavailable: the undo steps of a failing request stay short. */
export const DEFAULT_UNAVAILABLE_TIMEOUT_MS = 1000;
