/**
 * Per-auth plugin state: resolved options and derived keys (for each accepted secret), computed once in
 * Plugin.init and looked up by the AuthContext (a twoFactor() object may serve several init() calls with
 * different secrets).
 */
import type { AuthContext } from "../../auth/types.js";
import { resolveOptions, type ResolvedOptions, type TwoFactorOptions } from "./options.js";
import { setEventHandler } from "./events.js";
import { TotpKeyCache } from "./key-cache.js";
import { deriveKeys, type PluginKeys } from "./secret-box.js";

export interface PluginState {
  options: ResolvedOptions;
  /** Keys of the current secret: every new value is written with these. */
  keys: PluginKeys;
  /**
   * Keys of every accepted secret, current first (auth.secrets: the secret, then previousSecrets), for
   * reading values written before a rotation. keyring[0] === keys.
   */
  keyring: readonly PluginKeys[];
  /** Prepared TOTP keys by stored ciphertext and user; null when totpOptions.keyCacheSize is 0. */
  totpKeys: TotpKeyCache | null;
}

export class StateRegistry {
  private readonly states = new WeakMap<AuthContext, PluginState>();
  constructor(private readonly passed: TwoFactorOptions | undefined) {}

  init(auth: AuthContext): PluginState {
    const options = resolveOptions(auth, this.passed);
    const totpKeys = options.totp.keyCacheSize > 0 ? new TotpKeyCache(options.totp.keyCacheSize) : null;
    const keyring = auth.secrets.map((secret) => deriveKeys(secret));
    const state = { options, keys: keyring[0], keyring, totpKeys };
    this.states.set(auth, state);
    setEventHandler(auth, options.onEvent);
    return state;
  }

  get(auth: AuthContext): PluginState {
    return this.states.get(auth) ?? this.init(auth);
  }
}
