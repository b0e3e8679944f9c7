/**
 * The demo page: plain DOM driving Kernia through the official Better Auth client, unchanged.
 * Bundled by scripts/build-example.mjs into example/web/dist/app.js.
 */
import { createAuthClient } from "better-auth/client";
import { twoFactorClient, usernameClient } from "better-auth/client/plugins";
import QRCode from "qrcode";

type Method = "totp" | "otp" | "backup";

interface ClientError {
  code?: string;
  message?: string;
  status?: number;
  /** Seconds from the answer's X-Retry-After header (Kernia's rate limit and two-factor lockout). */
  retryAfter?: number;
}

/** A sign-in answer that stops at the second factor (Kernia's enforcement adds twoFactorEnrolmentRequired). */
interface Challenge {
  twoFactorRedirect?: boolean;
  twoFactorMethods?: string[];
  twoFactorEnrolmentRequired?: boolean;
}

/** One row of GET /demo/activity (example/activity.ts). */
interface ActivityEntry {
  type: string;
  at: string;
  ipAddress: string | null;
  userAgent: string | null;
  method: string | null;
}

interface TrustedDevice {
  id: string;
  createdAt?: string | Date;
  expiresAt?: string | Date;
  userAgent?: string | null;
  current?: boolean;
}

const client = createAuthClient({
  baseURL: `${location.origin}/api/auth`,
  plugins: [
    usernameClient(),
    twoFactorClient({
      // Called from the client's fetch hook whenever a sign-in answers { twoFactorRedirect: true }.
      onTwoFactorRedirect({ twoFactorMethods }) {
        const methods = twoFactorMethods ?? ["totp"];
        // A new challenge: restored after a reload until its cookie is gone. When it asks for enrolment
        // instead (twoFactorEnrolmentRequired, which this callback is not given), startChallenge() below
        // replaces this screen with the enrolment one before the page is drawn again.
        rememberPending(methods, false);
        showTwoFactor(methods);
      },
    }),
  ],
});

// ---- error messages a person can act on (codes from Better Auth 1.7.25 and Kernia) ----

const MESSAGES: Record<string, string> = {
  INVALID_EMAIL_OR_PASSWORD: "That email and password don't match an account.",
  INVALID_USERNAME_OR_PASSWORD: "That username and password don't match an account.",
  INVALID_EMAIL: "That doesn't look like an email address.",
  INVALID_PASSWORD: "That password isn't right.",
  PASSWORD_TOO_SHORT: "Choose a password of at least 8 characters.",
  PASSWORD_TOO_LONG: "Choose a password of at most 128 characters.",
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: "An account with that email already exists. Sign in instead, or use another email.",
  USERNAME_IS_ALREADY_TAKEN: "That username is taken. Please choose another.",
  USERNAME_TOO_SHORT: "Usernames need at least 3 characters.",
  USERNAME_TOO_LONG: "Usernames can have at most 30 characters.",
  INVALID_USERNAME: "Usernames may contain only letters, digits, dots and underscores.",
  VALIDATION_ERROR: "Some fields are missing or not valid. Please check the form.",
  INVALID_CODE: "That code isn't right. Check it and try again.",
  // RFC 6238 section 5.2: a code is accepted once. The person typed the right code a second time.
  TOTP_CODE_ALREADY_USED:
    "That code was just used. Wait for the next code in your authenticator app (a new one appears every 30 seconds) and enter that one.",
  INVALID_BACKUP_CODE: "That backup code isn't valid or has already been used.",
  OTP_HAS_EXPIRED: "That code has expired or was never sent. Ask for a new one.",
  TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE: "Too many wrong codes. Ask for a new code, or sign in again.",
  ACCOUNT_TEMPORARILY_LOCKED: "Too many failed attempts: two-factor sign-in is locked for a while. Try again later.",
  INVALID_TWO_FACTOR_COOKIE: "This sign-in attempt has expired. Please sign in again.",
  TOO_MANY_OTP_REQUESTS: "Too many codes requested. Wait a little before asking for another.",
  TRUSTED_DEVICE_NOT_FOUND: "That device was already removed.",
  TOTP_ALREADY_ENABLED: "Two-factor authentication is already on.",
  TOTP_NOT_ENABLED: "Set up an authenticator app first.",
  TWO_FACTOR_NOT_ENABLED: "Two-factor authentication isn't on.",
  BACKUP_CODES_NOT_ENABLED: "This account has no backup codes.",
  OTP_NOT_CONFIGURED: "Email codes aren't available on this server.",
  UNAUTHORIZED: "You've been signed out. Please sign in again.",
  INVALID_ORIGIN: "The server doesn't trust this page's address. Open the demo at the URL the server printed.",
  MISSING_OR_NULL_ORIGIN: "The server doesn't trust this page's address. Open the demo at the URL the server printed.",
};

/** "45 seconds", "1 minute", "14 minutes": how long a lock or a rate limit lasts, rounded up. */
function duration(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? "1 second" : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

function describe(error: ClientError): string {
  if (error.code === "ACCOUNT_TEMPORARILY_LOCKED" && error.retryAfter !== undefined) {
    const until = new Date(Date.now() + error.retryAfter * 1000).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
    return `Too many failed attempts: two-factor sign-in is locked for ${duration(error.retryAfter)} (until ${until}). Try again then.`;
  }
  if (error.code && MESSAGES[error.code]) return MESSAGES[error.code];
  if (error.status === 429 && error.retryAfter !== undefined) return `Too many requests. Wait ${duration(error.retryAfter)} and try again.`;
  if (error.status === 429) return "Too many requests. Wait a few seconds and try again.";
  if (!error.status) return "Couldn't reach the server. Check that it is running.";
  return error.message || "Something went wrong. Please try again.";
}

/**
 * Runs one client call and copies the X-Retry-After header of an error answer onto its error, so the
 * message can say how long to wait. The client's `{ data, error }` has no headers; its onError hook
 * sees the response (better-fetch hooks, passed per call as `fetchOptions`).
 */
async function withRetryAfter<T extends { error?: ClientError | null }>(
  call: (fetchOptions: { onError: (context: { response: Response }) => void }) => Promise<T>,
): Promise<T & { error?: ClientError | null }> {
  let retryAfter: number | undefined;
  const result = await call({
    onError({ response }) {
      const seconds = Number(response.headers.get("x-retry-after"));
      if (response.headers.has("x-retry-after") && Number.isInteger(seconds) && seconds >= 0) retryAfter = seconds;
    },
  });
  if (result.error && retryAfter !== undefined) return { ...result, error: { ...result.error, retryAfter } };
  return result;
}

// ---- what people type: forgiving, but never guessed at ----

/** A TOTP or emailed code as typed or pasted ("123 456", "123-456"): the digits, or null if not 6 of them. */
function normalizeNumericCode(text: string): string | null {
  const code = text.replace(/[\s-]/g, "");
  return /^\d{6}$/.test(code) ? code : null;
}

/**
 * A backup code as typed: spaces removed, and the hyphen the server prints after the 5th character put
 * back if it was left out. Case is kept as typed (the server compares case-insensitively).
 */
function normalizeBackupCode(text: string): string {
  const code = text.replace(/\s/g, "");
  return code.length > 5 && !code.includes("-") ? `${code.slice(0, 5)}-${code.slice(5)}` : code;
}

// ---- a pending sign-in survives a reload or Back (the two_factor cookie lives 10 minutes) ----

const PENDING_KEY = "kernia-demo.pending-two-factor";
/** The server's twoFactorCookieMaxAge (default 600 s): a challenge is not restored after that. */
const PENDING_MS = 10 * 60 * 1000;

/** `enrol`: the challenge asks the person to set up a factor (enforcement), not to use one. */
function rememberPending(methods: string[], enrol: boolean): void {
  try {
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ methods, enrol, until: Date.now() + PENDING_MS }));
  } catch {
    /* storage off (private mode): a reload then starts over at sign-in, as before */
  }
}

function forgetPending(): void {
  try {
    sessionStorage.removeItem(PENDING_KEY);
  } catch {
    /* nothing stored */
  }
}

/** The pending sign-in this tab started, if the browser still holds its two_factor cookie. */
async function pendingSignIn(): Promise<{ methods: string[]; enrol: boolean } | null> {
  let saved: { methods?: unknown; enrol?: unknown; until?: unknown } | null = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null");
  } catch {
    saved = null;
  }
  if (!saved || !Array.isArray(saved.methods) || typeof saved.until !== "number" || saved.until < Date.now()) {
    forgetPending();
    return null;
  }
  const probe = await fetch("/demo/pending-sign-in", { credentials: "same-origin" }).then(
    (response) => (response.ok ? (response.json() as Promise<{ pending?: boolean }>) : null),
    () => null,
  );
  if (!probe?.pending) {
    forgetPending();
    return null;
  }
  return { methods: saved.methods.filter((method): method is string => typeof method === "string"), enrol: saved.enrol === true };
}

// ---- small DOM helpers ----

function $(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing #${id}`);
  return element;
}
const input = (id: string) => $(id) as HTMLInputElement;

function showError(error: ClientError | string): void {
  const banner = $("error");
  banner.textContent = typeof error === "string" ? error : describe(error);
  banner.hidden = false;
  $("notice").hidden = true;
}

function showNotice(text: string): void {
  const banner = $("notice");
  banner.textContent = text;
  banner.hidden = false;
  $("error").hidden = true;
}

function clearBanners(): void {
  $("error").hidden = true;
  $("notice").hidden = true;
}

function showView(name: "loading" | "signed-out" | "two-factor" | "enrol" | "account"): void {
  for (const view of ["loading", "signed-out", "two-factor", "enrol", "account"]) $(`view-${view}`).hidden = view !== name;
}

function fillList(id: string, items: string[]): void {
  $(id).replaceChildren(...items.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
}

function formatDate(value: string | Date | undefined): string {
  return value ? new Date(value).toLocaleDateString(undefined, { dateStyle: "medium" }) : "unknown";
}

/**
 * Runs a request for a form or button: disables it meanwhile and shows the error, if any, as a sentence.
 * The callback returns the client's `{ error }`; a thrown error (network down) is reported the same way.
 */
async function run(trigger: HTMLElement, action: () => Promise<{ error?: ClientError | null } | void>): Promise<boolean> {
  const buttons = trigger instanceof HTMLFormElement ? Array.from(trigger.querySelectorAll("button")) : [trigger as HTMLButtonElement];
  buttons.forEach((button) => (button.disabled = true));
  try {
    const result = await action();
    if (result?.error) {
      showError(result.error);
      return false;
    }
    return true;
  } catch {
    showError({});
    return false;
  } finally {
    // A button held for a lock (holdSendButton) stays disabled until the lock ends.
    buttons.forEach((button) => (button.disabled = button.dataset.held === "true"));
  }
}

function onSubmit(id: string, action: (form: HTMLFormElement) => Promise<unknown>): void {
  const form = $(id) as HTMLFormElement;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void action(form);
  });
}

// ---- screens ----

async function refresh(): Promise<void> {
  const { data, error } = await client.getSession();
  if (error) showError(error);
  if (!data) {
    const pending = await pendingSignIn();
    if (pending?.enrol) showEnrolment(pending.methods);
    else if (pending) showTwoFactor(pending.methods);
    else showView("signed-out");
    return;
  }
  forgetPending();
  const user = data.user as typeof data.user & { username?: string; twoFactorEnabled?: boolean };
  $("account-name").textContent = user.name;
  $("account-email").textContent = user.email;
  $("account-username").textContent = user.username ?? "";
  $("tf-status").textContent = user.twoFactorEnabled ? "on" : "off";
  $("tf-off").hidden = !!user.twoFactorEnabled || !$("tf-setup").hidden;
  $("tf-on").hidden = !user.twoFactorEnabled;
  showView("account");
  await Promise.all([loadActivity(), ...(user.twoFactorEnabled ? [loadBackupStatus(), loadTrustedDevices()] : [])]);
}

/**
 * After a sign-in or sign-up answer: true when it stopped at the second factor. onTwoFactorRedirect has
 * shown the verify screen by then; an enrolment challenge (Kernia's enforcement) gets the setup screen.
 */
function startChallenge(data: unknown): boolean {
  const challenge = (data ?? {}) as Challenge;
  if (!challenge.twoFactorRedirect) return false;
  if (challenge.twoFactorEnrolmentRequired) {
    const methods = challenge.twoFactorMethods ?? ["totp"];
    rememberPending(methods, true);
    showEnrolment(methods);
  }
  return true;
}

function showEnrolment(methods: string[]): void {
  const totp = methods.includes("totp");
  $("enrol-totp").hidden = !totp;
  $("enrol-otp").hidden = !methods.includes("otp");
  $("enrol-otp-or").hidden = !totp;
  $("enrol-setup").hidden = true;
  $("enrol-password-form").hidden = false;
  fillList("enrol-backup-codes", []);
  for (const id of ["enrol-password", "enrol-verify-code", "enrol-otp-code"]) input(id).value = "";
  showView("enrol");
}

const EVENT_LABELS: Record<string, string> = {
  "two-factor.enabled": "Two-factor turned on",
  "two-factor.disabled": "Two-factor turned off",
  "two-factor.challenge-issued": "Sign-in asked for a second factor",
  "two-factor.verified": "Second factor verified",
  "two-factor.failed": "Wrong code entered",
  "two-factor.locked": "Two-factor sign-in locked after too many wrong codes",
  "backup-code.used": "Backup code used",
  "backup-codes.regenerated": "New backup codes generated",
  "trusted-device.added": "Device trusted",
  "trusted-device.revoked": "Trusted device revoked",
  "two-factor.reset": "Two-factor reset by support",
  "otp.sent": "Sign-in code emailed",
};

const METHOD_LABELS: Record<string, string> = {
  totp: "authenticator app",
  otp: "email code",
  "backup-code": "backup code",
  "trusted-device": "trusted device",
};

async function loadActivity(): Promise<void> {
  const events = await fetch("/demo/activity", { credentials: "same-origin" }).then(
    (response) => (response.ok ? (response.json() as Promise<{ events: ActivityEntry[] }>).then((body) => body.events) : null),
    () => null,
  );
  $("activity-empty").textContent = events ? "Nothing yet." : "Couldn't load your security activity.";
  $("activity-empty").hidden = !!events?.length;
  $("activity").replaceChildren(
    ...(events ?? []).map((event) => {
      const item = document.createElement("li");
      item.dataset.testid = "activity-event";
      item.dataset.type = event.type;
      const method = event.method && METHOD_LABELS[event.method] ? ` (${METHOD_LABELS[event.method]})` : "";
      const what = Object.assign(document.createElement("span"), {
        className: "what",
        textContent: `${EVENT_LABELS[event.type] ?? event.type}${method}`,
      });
      const time = new Date(event.at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
      const where = Object.assign(document.createElement("span"), {
        className: "where muted",
        textContent: `${event.type} · ${time} · ${event.ipAddress ?? "unknown address"} · ${event.userAgent ? describeAgent(event.userAgent) : "unknown browser"}`,
        title: event.userAgent ?? "",
      });
      item.append(what, where);
      return item;
    }),
  );
}

function showTwoFactor(methods: string[]): void {
  const available: Method[] = [];
  if (methods.includes("totp")) available.push("totp");
  if (methods.includes("otp")) available.push("otp");
  // Backup codes come with an authenticator enrolment.
  if (methods.includes("totp")) available.push("backup");
  for (const method of ["totp", "otp", "backup"] as Method[]) $(`tab-${method}`).hidden = !available.includes(method);
  input("tf-trust-device").checked = false;
  for (const id of ["tf-totp-code", "tf-otp-code", "tf-backup-code"]) input(id).value = "";
  releaseSendButton();
  selectMethod(available[0] ?? "backup");
  showView("two-factor");
}

function selectMethod(method: Method): void {
  for (const tab of Array.from(document.querySelectorAll<HTMLButtonElement>("[data-method]"))) {
    tab.setAttribute("aria-selected", String(tab.dataset.method === method));
  }
  for (const panel of Array.from(document.querySelectorAll<HTMLElement>("[data-panel]"))) panel.hidden = panel.dataset.panel !== method;
}

async function loadBackupStatus(): Promise<void> {
  const { data, error } = await client.$fetch<{ total: number; remaining: number }>("/two-factor/backup-codes/status", {
    method: "GET",
  });
  if (error || !data) {
    $("backup-remaining").textContent = "Couldn't load your backup codes.";
    return;
  }
  $("backup-remaining").textContent =
    data.remaining === 1 ? `1 of ${data.total} backup codes left.` : `${data.remaining} of ${data.total} backup codes left.`;
}

async function loadTrustedDevices(): Promise<void> {
  const { data, error } = await client.$fetch<TrustedDevice[] | { devices: TrustedDevice[] }>("/two-factor/trusted-devices", {
    method: "GET",
  });
  const devices = error || !data ? [] : Array.isArray(data) ? data : (data.devices ?? []);
  $("trusted-devices").replaceChildren(
    ...devices.map((device) => {
      const item = document.createElement("li");
      item.dataset.testid = "trusted-device";
      const label = document.createElement("span");
      const who = device.userAgent ? describeAgent(device.userAgent) : "A browser";
      label.textContent = `${who}${device.current ? " (this device)" : ""}, trusted since ${formatDate(device.createdAt)}, until ${formatDate(device.expiresAt)}`;
      const revoke = Object.assign(document.createElement("button"), { type: "button", className: "secondary", textContent: "Revoke" });
      revoke.addEventListener("click", () => void revokeDevices(revoke, { id: device.id }));
      item.append(label, revoke);
      return item;
    }),
  );
  $("trusted-devices-empty").hidden = devices.length > 0;
  $("revoke-all-devices").hidden = devices.length < 2;
}

function describeAgent(userAgent: string): string {
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Chrom(e|ium)\//.test(userAgent)
      ? "Chrome"
      : /Firefox\//.test(userAgent)
        ? "Firefox"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : "A browser";
  const system = /Windows/.test(userAgent)
    ? "Windows"
    : /Mac OS X/.test(userAgent)
      ? "macOS"
      : /Android/.test(userAgent)
        ? "Android"
        : /iPhone|iPad/.test(userAgent)
          ? "iOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : "";
  return system ? `${browser} on ${system}` : browser;
}

async function revokeDevices(trigger: HTMLElement, body: { id: string } | { all: true }): Promise<void> {
  const ok = await run(trigger, () => client.$fetch("/two-factor/trusted-devices/revoke", { method: "POST", body }));
  if (ok)
    showNotice("all" in body ? "All trusted devices were revoked." : "The device was revoked. It will be asked for a code next time.");
  await loadTrustedDevices();
}

async function startSetup(totpURI: string, backupCodes: string[]): Promise<void> {
  await QRCode.toCanvas($("tf-qr") as HTMLCanvasElement, totpURI, { width: 220, margin: 2, errorCorrectionLevel: "M" });
  const secret = new URL(totpURI).searchParams.get("secret") ?? "";
  $("tf-secret").textContent = secret.replace(/(.{4})(?=.)/g, "$1 ");
  fillList("tf-setup-backup-codes", backupCodes);
  input("enable-verify-code").value = "";
  $("tf-off").hidden = true;
  $("tf-setup").hidden = false;
}

// ---- wiring ----

onSubmit("sign-up-form", (form) =>
  run(form, async () => {
    const result = await client.signUp.email({
      name: input("sign-up-name").value.trim(),
      email: input("sign-up-email").value.trim(),
      username: input("sign-up-username").value.trim(),
      password: input("sign-up-password").value,
    });
    if (!result.error) {
      form.reset();
      // Under enforcement a new account is signed in only once it has a second factor.
      if (startChallenge(result.data)) return result;
      showNotice("Your account is ready. You're signed in.");
      await refresh();
    }
    return result;
  }),
);

onSubmit("sign-in-form", (form) =>
  run(form, async () => {
    clearBanners();
    const identifier = input("sign-in-identifier").value.trim();
    const password = input("sign-in-password").value;
    const result = identifier.includes("@")
      ? await client.signIn.email({ email: identifier, password })
      : await client.signIn.username({ username: identifier, password });
    if (result.error) return result;
    input("sign-in-password").value = "";
    // With two-factor on, onTwoFactorRedirect has already shown the second step.
    if (!startChallenge(result.data)) {
      showNotice("You're signed in.");
      await refresh();
    }
    return result;
  }),
);

for (const tab of Array.from(document.querySelectorAll<HTMLButtonElement>("[data-method]"))) {
  tab.addEventListener("click", () => {
    clearBanners();
    selectMethod(tab.dataset.method as Method);
  });
}

/** An answer that ended the pending sign-in (expired, or out of attempts): back to the start. */
function endedChallenge(error: ClientError | null | undefined): void {
  if (error?.code !== "INVALID_TWO_FACTOR_COOKIE" && error?.code !== "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE") return;
  forgetPending();
  showView("signed-out");
}

async function finishTwoFactor(result: { error?: ClientError | null }): Promise<typeof result> {
  if (result.error) {
    endedChallenge(result.error);
    if (result.error.code === "ACCOUNT_TEMPORARILY_LOCKED") holdSendButton(result.error.retryAfter);
    return result;
  }
  forgetPending();
  showNotice(input("tf-trust-device").checked ? "You're signed in. This device is now trusted." : "You're signed in.");
  await refresh();
  return result;
}

const trustDevice = () => input("tf-trust-device").checked;

/** Sending another code cannot help while the account is locked: the button waits out the lock. */
let sendHold: ReturnType<typeof setTimeout> | undefined;
function holdSendButton(seconds: number | undefined): void {
  if (seconds === undefined) return;
  const button = $("tf-otp-send") as HTMLButtonElement;
  clearTimeout(sendHold);
  button.dataset.held = "true";
  button.disabled = true;
  sendHold = setTimeout(releaseSendButton, seconds * 1000);
}

function releaseSendButton(): void {
  const button = $("tf-otp-send") as HTMLButtonElement;
  clearTimeout(sendHold);
  delete button.dataset.held;
  button.disabled = false;
}

/** The code from a numeric field, or null after telling the person what a code looks like. */
function numericCode(id: string): string | null {
  const code = normalizeNumericCode(input(id).value);
  if (code === null) showError("Enter the 6 digits of the code (spaces are fine).");
  return code;
}

onSubmit("tf-totp-form", (form) =>
  run(form, async () => {
    const code = numericCode("tf-totp-code");
    if (code === null) return;
    return finishTwoFactor(
      await withRetryAfter((fetchOptions) => client.twoFactor.verifyTotp({ code, trustDevice: trustDevice(), fetchOptions })),
    );
  }),
);
onSubmit("tf-otp-form", (form) =>
  run(form, async () => {
    const code = numericCode("tf-otp-code");
    if (code === null) return;
    return finishTwoFactor(
      await withRetryAfter((fetchOptions) => client.twoFactor.verifyOtp({ code, trustDevice: trustDevice(), fetchOptions })),
    );
  }),
);
onSubmit("tf-backup-form", (form) =>
  run(form, async () => {
    const code = normalizeBackupCode(input("tf-backup-code").value);
    return finishTwoFactor(
      await withRetryAfter((fetchOptions) => client.twoFactor.verifyBackupCode({ code, trustDevice: trustDevice(), fetchOptions })),
    );
  }),
);

$("tf-otp-send").addEventListener("click", (event) => {
  const button = event.currentTarget as HTMLButtonElement;
  void run(button, async () => {
    const result = await withRetryAfter((fetchOptions) => client.twoFactor.sendOtp({ fetchOptions }));
    if (!result.error) showNotice("We sent you a code. It is valid for 3 minutes.");
    if (result.error?.code === "ACCOUNT_TEMPORARILY_LOCKED") holdSendButton(result.error.retryAfter);
    return result;
  });
});

$("tf-cancel").addEventListener("click", () => {
  clearBanners();
  forgetPending();
  showView("signed-out");
});

$("sign-out").addEventListener("click", (event) => {
  void run(event.currentTarget as HTMLElement, async () => {
    const result = await client.signOut();
    if (!result.error) {
      $("tf-setup").hidden = true;
      $("new-backup-codes").hidden = true;
      showNotice("You're signed out.");
      showView("signed-out");
    }
    return result;
  });
});

onSubmit("enable-form", (form) =>
  run(form, async () => {
    clearBanners();
    const result = await client.twoFactor.enable({ password: input("enable-password").value });
    if (result.data && "totpURI" in result.data && result.data.totpURI) {
      form.reset();
      await startSetup(result.data.totpURI, result.data.backupCodes ?? []);
    }
    return result;
  }),
);

onSubmit("enable-verify-form", (form) =>
  run(form, async () => {
    const code = numericCode("enable-verify-code");
    if (code === null) return;
    const result = await client.twoFactor.verifyTotp({ code });
    if (!result.error) {
      $("tf-setup").hidden = true;
      fillList("tf-setup-backup-codes", []);
      showNotice("Two-factor authentication is on. You'll be asked for a code the next time you sign in.");
      await refresh();
    }
    return result;
  }),
);

onSubmit("regenerate-form", (form) =>
  run(form, async () => {
    clearBanners();
    const result = await client.twoFactor.generateBackupCodes({ password: input("regenerate-password").value });
    if (result.data) {
      form.reset();
      fillList("new-backup-codes-list", result.data.backupCodes);
      $("new-backup-codes").hidden = false;
      await loadBackupStatus();
    }
    return result;
  }),
);

$("revoke-all-devices").addEventListener("click", (event) => void revokeDevices(event.currentTarget as HTMLElement, { all: true }));

onSubmit("disable-form", (form) =>
  run(form, async () => {
    clearBanners();
    const result = await client.twoFactor.disable({ password: input("disable-password").value });
    if (!result.error) {
      form.reset();
      $("new-backup-codes").hidden = true;
      showNotice("Two-factor authentication is off.");
      await refresh();
    }
    return result;
  }),
);

// ---- enrolment required at sign-in (Kernia's enforcement): the pending challenge stands in for a session ----

async function enrolled(result: { error?: ClientError | null }): Promise<typeof result> {
  if (result.error) {
    endedChallenge(result.error);
    return result;
  }
  forgetPending();
  fillList("enrol-backup-codes", []);
  showNotice("Two-factor authentication is on, and you're signed in.");
  await refresh();
  return result;
}

onSubmit("enrol-password-form", (form) =>
  run(form, async () => {
    clearBanners();
    const result = await client.twoFactor.enable({ password: input("enrol-password").value });
    if (result.error) {
      endedChallenge(result.error);
      return result;
    }
    if (result.data && "totpURI" in result.data && result.data.totpURI) {
      form.reset();
      const uri = result.data.totpURI;
      await QRCode.toCanvas($("enrol-qr") as HTMLCanvasElement, uri, { width: 220, margin: 2, errorCorrectionLevel: "M" });
      $("enrol-secret").textContent = (new URL(uri).searchParams.get("secret") ?? "").replace(/(.{4})(?=.)/g, "$1 ");
      fillList("enrol-backup-codes", result.data.backupCodes ?? []);
      form.hidden = true;
      $("enrol-setup").hidden = false;
    }
    return result;
  }),
);

onSubmit("enrol-verify-form", (form) =>
  run(form, async () => {
    const code = numericCode("enrol-verify-code");
    if (code === null) return;
    return enrolled(await withRetryAfter((fetchOptions) => client.twoFactor.verifyTotp({ code, fetchOptions })));
  }),
);

$("enrol-otp-send").addEventListener("click", (event) => {
  void run(event.currentTarget as HTMLButtonElement, async () => {
    const result = await withRetryAfter((fetchOptions) => client.twoFactor.sendOtp({ fetchOptions }));
    if (!result.error) showNotice("We sent you a code. It is valid for 3 minutes.");
    endedChallenge(result.error);
    return result;
  });
});

onSubmit("enrol-otp-form", (form) =>
  run(form, async () => {
    const code = numericCode("enrol-otp-code");
    if (code === null) return;
    return enrolled(await withRetryAfter((fetchOptions) => client.twoFactor.verifyOtp({ code, fetchOptions })));
  }),
);

$("enrol-cancel").addEventListener("click", () => {
  clearBanners();
  forgetPending();
  showView("signed-out");
});

// The outbox exists only in development; show its links when it answers.
fetch("/dev/outbox.json", { method: "HEAD" })
  .then((response) => {
    if (response.ok) for (const element of Array.from(document.querySelectorAll<HTMLElement>(".dev-only"))) element.hidden = false;
  })
  .catch(() => undefined);
// Likewise the support-desk screen, only with KERNIA_DEMO_ADMIN=1 and on this machine.
fetch("/demo/admin", { method: "HEAD" })
  .then((response) => {
    if (response.ok) for (const element of Array.from(document.querySelectorAll<HTMLElement>(".admin-only"))) element.hidden = false;
  })
  .catch(() => undefined);

refresh().catch(() => {
  showView("signed-out");
  showError({});
});
