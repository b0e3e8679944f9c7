/**
 * kernia: a Better Auth 1.7-compatible authentication server whose two-factor plugin is the product.
 * `init(options)` returns `{ handler, api, options, context }`; mount `handler` (or `kernia/express`).
 */
export { init } from "./auth/init.js";
export { APIError, BASE_ERROR_CODES, RATE_LIMIT_MESSAGE } from "./auth/errors.js";
export type { BaseErrorCode } from "./auth/errors.js";
export { USERNAME_ERROR_CODES, type UsernameErrorCode } from "./plugins/username/index.js";
export { PHONE_NUMBER_ERROR_CODES, type PhoneNumberErrorCode } from "./plugins/phone-number/index.js";
export { assertKnownKeys, defineEndpoint, listOptionKeys, mergeOptions, passwordSignIn, signInAnswer } from "./auth/plugin-api.js";
export type { PasswordSignInOptions, SignInAnswer } from "./auth/plugin-api.js";
export type {
  AdvancedOptions,
  ApiCall,
  ApiFunction,
  ApiInput,
  ApiInputOf,
  AuthContext,
  ChallengeBody,
  CoreUser,
  Endpoint,
  EndpointContext,
  FieldRule,
  FieldValue,
  Hook,
  InputOf,
  InputSchema,
  Kernia,
  KerniaOptions,
  Plugin,
  PluginOptionsById,
  PluginUserFields,
  PublicSession,
  PublicUser,
  RateLimitRule,
  ResponseState,
  Session,
  SessionWithUser,
  SetCookie,
  SignInAttempt,
  SignInGate,
  SignInGateAnswer,
  SignInResult,
  User,
} from "./auth/types.js";
export type { Adapter, Schema, Store, UpsertChange } from "./adapters/types.js";
export { StoreUnavailableError, UniqueConstraintError } from "./adapters/types.js";
export type { CryptoPort } from "./crypto/port.js";
