import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { clientAddress, loadConfig, parseTrustedProxies } from "../../gatekeeper/config";
import { parseHostMap, renderHostMap } from "../../gatekeeper/hosts";
import { NonceStore } from "../../gatekeeper/nonces";
import { parseRateLimit, RateLimiter } from "../../gatekeeper/rate-limit";
import { mintSession, mintTicket, verifySession, verifyTicket } from "../../gatekeeper/tokens";

const secret = randomBytes(32).toString("base64url");
const now = 1_800_000_000;
const ticket = {
  sub: randomUUID(),
  host: "alice-worker.instantworker.ai",
  iat: now,
  exp: now + 60,
  nonce: randomBytes(16).toString("base64url"),
};

test("accepts a ticket within its minute and returns its fields", () => {
  assert.deepEqual(verifyTicket(secret, mintTicket(secret, ticket), now + 59), {
    ok: true,
    value: ticket,
  });
});

test("refuses a ticket that is expired, too long-lived, from the future or tampered with", () => {
  const token = mintTicket(secret, ticket);
  const reason = (t: string, at = now) => {
    const checked = verifyTicket(secret, t, at);
    return checked.ok ? "accepted" : checked.reason;
  };
  assert.equal(reason(token, now + 60), "expired");
  assert.equal(reason(mintTicket(secret, { ...ticket, exp: now + 61 })), "too-long-lived");
  assert.equal(
    reason(mintTicket(secret, { ...ticket, iat: now + 30, exp: now + 60 })),
    "not-yet-valid",
  );
  assert.equal(reason(mintTicket(randomBytes(32).toString("hex"), ticket)), "bad-signature");
  const [kind, , sig] = token.split(".");
  const swapped = Buffer.from(JSON.stringify({ ...ticket, sub: randomUUID() })).toString(
    "base64url",
  );
  assert.equal(reason(`${kind}.${swapped}.${sig}`), "bad-signature");
  assert.equal(reason(mintTicket(secret, { ...ticket, host: "Alice-Worker.x" })), "malformed");
  assert.equal(reason("iwt1.e30"), "malformed");
});

test("never takes a session token for a ticket or a ticket for a session", () => {
  const session = mintSession(secret, {
    sub: ticket.sub,
    host: ticket.host,
    sid: ticket.nonce,
    exp: now + 900,
  });
  assert.deepEqual(verifyTicket(secret, session, now), { ok: false, reason: "malformed" });
  assert.deepEqual(verifySession(secret, mintTicket(secret, ticket), now), {
    ok: false,
    reason: "malformed",
  });
  assert.equal(verifySession(secret, session, now + 899).ok, true);
  assert.deepEqual(verifySession(secret, session, now + 900), { ok: false, reason: "expired" });
});

test("lets each nonce through once and refuses new ones when full instead of forgetting", () => {
  const store = new NonceStore(2);
  assert.equal(store.claim("a", now + 10, now), true);
  assert.equal(store.claim("a", now + 10, now), false);
  assert.equal(store.claim("b", now + 10, now), true);
  assert.equal(store.claim("c", now + 10, now), false);
  assert.equal(store.claim("c", now + 20, now + 10), true, "expired nonces make room");
  assert.equal(store.size, 1);
});

test("spends a burst, then refills at the configured rate", () => {
  const limiter = new RateLimiter({ perSecond: 2, burst: 3 });
  const taken = [0, 1, 2, 3].map(() => limiter.take("k", 0));
  assert.deepEqual(taken, [0, 0, 0, 1]);
  assert.equal(limiter.take("k", 500), 0, "half a second gives one token back at 2/s");
  assert.equal(limiter.take("other", 500), 0, "keys do not share a bucket");
});

test("parses rate limits and names a bad one", () => {
  assert.deepEqual(parseRateLimit("20/200", "X"), { perSecond: 20, burst: 200 });
  assert.throws(() => parseRateLimit("fast", "IW_GATEKEEPER_SESSION_RATE"), {
    message:
      "IW_GATEKEEPER_SESSION_RATE `fast` is not a rate limit (accepted: <requests per second>/<burst>, e.g. 20/200)",
  });
});

test("finds the client address past trusted proxies and ignores what the client wrote", () => {
  const trusted = parseTrustedProxies("10.210.9.0/24, 173.245.48.0/20", "T");
  assert.equal(clientAddress(undefined, "198.51.100.7", trusted), "198.51.100.7");
  assert.equal(clientAddress("203.0.113.9", "10.210.9.2", trusted), "203.0.113.9");
  assert.equal(
    clientAddress("6.6.6.6, 203.0.113.9, 173.245.48.1", "10.210.9.2", trusted),
    "203.0.113.9",
  );
  assert.equal(clientAddress("6.6.6.6", "198.51.100.7", trusted), "198.51.100.7");
  assert.equal(clientAddress("junk, 173.245.48.1", "::ffff:10.210.9.2", trusted), "173.245.48.1");
  assert.throws(() => parseTrustedProxies("10.0.0.0/33", "IW_GATEKEEPER_TRUSTED_PROXIES"), {
    message: "IW_GATEKEEPER_TRUSTED_PROXIES entry `10.0.0.0/33` is not an IP address or CIDR range",
  });
});

test("round-trips the host map and refuses a bad entry by name", () => {
  const entry = { host: "alice-worker.instantworker.ai", slug: "alice", userId: ticket.sub };
  const map = parseHostMap(renderHostMap("cell-1", [entry]));
  assert.equal(map.cell, "cell-1");
  assert.deepEqual(map.byHost.get(entry.host), entry);
  assert.throws(() => renderHostMap("cell-1", [{ ...entry, userId: "root" }]), {
    message: "workers[0].userId `root` is not valid in the host map",
  });
  assert.throws(() => renderHostMap("cell-1", [entry, entry]), {
    message: "workers[1].host `alice-worker.instantworker.ai` appears twice",
  });
});

test("refuses short secrets and bad settings without echoing a secret", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "iw-gk-config-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "secrets.json");
  const shortSecret = "short-secret-value";
  writeFileSync(file, JSON.stringify({ ticketSecret: shortSecret, cookieSecret: secret }));
  const env = { IW_GATEKEEPER_SECRETS_FILE: file };
  assert.throws(
    () => loadConfig(env),
    (error: Error) => {
      assert.equal(
        error.message,
        "the secrets file's `ticketSecret` is missing or shorter than 32 characters",
      );
      return !error.message.includes(shortSecret);
    },
  );
  writeFileSync(file, JSON.stringify({ ticketSecret: secret, cookieSecret: secret }));
  assert.equal(loadConfig(env).listenPort, 9090);
  assert.throws(() => loadConfig({ ...env, IW_GATEKEEPER_LISTEN: "9090" }), {
    message: "IW_GATEKEEPER_LISTEN `9090` is not <ip>:<port> (e.g. 0.0.0.0:9090)",
  });
  assert.throws(() => loadConfig({ ...env, IW_GATEKEEPER_SESSION_SECONDS: "5" }), {
    message: "IW_GATEKEEPER_SESSION_SECONDS `5` is not a whole number from 60 to 86400",
  });
});
