// The demo's account page: forgot/reset password, verify email, change password, signed-in devices
// with revoke, delete account. Plain fetch against the Better Auth wire endpoints (same origin, so the
// browser sends the session cookie and the Origin header the server checks).
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const res = await fetch(`/api/auth${path}`, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(data?.message ?? `HTTP ${res.status}`);
  return data;
}

function say(text) {
  $("account-status").textContent = text;
}

function show(id, on) {
  $(id).hidden = !on;
}

async function refresh() {
  const params = new URLSearchParams(location.search);
  if (params.get("error")) say(`That link is not valid any more (${params.get("error")}).`);
  if (params.get("deleted")) say("Your account is deleted.");
  const token = params.get("token");
  const session = await api("GET", "/get-session");
  show("reset", token !== null);
  show("forgot", session === null && token === null);
  show("signed-in", session !== null);
  if (session === null) return;
  $("email-state").textContent = `${session.user.email}: ${session.user.emailVerified ? "verified" : "not verified"}`;
  $("verify-send").hidden = session.user.emailVerified;
  const sessions = await api("GET", "/list-sessions");
  const list = $("sessions");
  list.replaceChildren();
  for (const s of sessions) {
    const item = document.createElement("li");
    item.className = "session";
    item.textContent = `${s.userAgent || "unknown browser"} from ${s.ipAddress || "unknown address"}, since ${new Date(s.createdAt).toLocaleString()}${s.current ? " (this device)" : ""} `;
    if (!s.current) {
      const revoke = document.createElement("button");
      revoke.type = "button";
      revoke.className = "revoke secondary";
      revoke.textContent = "Sign out";
      revoke.addEventListener("click", () =>
        run(async () => {
          await api("POST", "/revoke-session", { token: s.token });
          say("That device is signed out.");
        }),
      );
      item.append(revoke);
    }
    list.append(item);
  }
}

async function run(action) {
  try {
    await action();
  } catch (e) {
    say(e.message);
  }
  await refresh().catch((e) => say(e.message));
}

$("forgot-form").addEventListener("submit", (e) => {
  e.preventDefault();
  run(async () => {
    await api("POST", "/request-password-reset", { email: $("forgot-email").value, redirectTo: "/account" });
    say("If this email has an account, a reset link is on its way (see /dev/outbox).");
  });
});

$("reset-form").addEventListener("submit", (e) => {
  e.preventDefault();
  run(async () => {
    const token = new URLSearchParams(location.search).get("token");
    await api("POST", "/reset-password", { token, newPassword: $("reset-password").value });
    history.replaceState(null, "", "/account");
    say("Password changed. Sign in with the new one (your second factor is still asked).");
  });
});

$("verify-send").addEventListener("click", () =>
  run(async () => {
    const session = await api("GET", "/get-session");
    await api("POST", "/send-verification-email", { email: session.user.email, callbackURL: "/account" });
    say("A verification link is on its way (see /dev/outbox).");
  }),
);

$("change-form").addEventListener("submit", (e) => {
  e.preventDefault();
  run(async () => {
    await api("POST", "/change-password", {
      currentPassword: $("change-current").value,
      newPassword: $("change-new").value,
      revokeOtherSessions: $("change-revoke").checked,
    });
    say("Password changed.");
  });
});

$("delete-form").addEventListener("submit", (e) => {
  e.preventDefault();
  run(async () => {
    const answer = await api("POST", "/delete-user", { password: $("delete-password").value, callbackURL: "/account?deleted=1" });
    say(
      answer.message === "Verification email sent"
        ? "Check your email to confirm the deletion (see /dev/outbox)."
        : "Your account is deleted.",
    );
  });
});

refresh().catch((e) => say(e.message));
