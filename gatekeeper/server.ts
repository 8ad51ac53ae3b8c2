/**
 * The gatekeeper's HTTP handlers. Caddy sends every worker request to `/_iw/auth` first (`forward_auth`)
 * and proxies `/_iw/session` and `/_iw/renew` here unchanged; `/healthz` is only reachable on the edge
 * network. Every refusal is a plain sentence for the person in front of the browser and a log line.
 */
import http from "node:http";
import { IDENTITY_HEADER } from "../lib/cell-contract";
import { clientAddress, type GatekeeperConfig } from "./config";
import type { HostEntry, HostMap } from "./hosts";
import type { Logger } from "./log";
import { NonceStore } from "./nonces";
import { RateLimiter } from "./rate-limit";
import { mintSession, newSessionId, type Session, verifySession, verifyTicket } from "./tokens";

/** `__Host-` makes the browser insist on Secure, Path=/ and no Domain: the cookie is host-only. */
export const SESSION_COOKIE = "__Host-iw_session";

export interface GatekeeperDeps {
  config: GatekeeperConfig;
  hosts: () => HostMap;
  log: Logger;
  nowMs?: () => number;
}

interface Context {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  host: string;
  entry: HostEntry | undefined;
  client: string;
  fields: Record<string, string | undefined>;
}

function send(
  res: http.ServerResponse,
  status: number,
  body = "",
  headers: http.OutgoingHttpHeaders = {},
) {
  res.writeHead(status, {
    "Cache-Control": "no-store",
    "Content-Type": "text/plain; charset=utf-8",
    "Referrer-Policy": "no-referrer",
    ...headers,
  });
  res.end(body ? `${body}\n` : undefined);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A form POST keeps the ticket out of every URL; GET is accepted for a plain iframe `src`. */
async function readTicket(req: http.IncomingMessage, url: URL): Promise<string | undefined> {
  if (req.method !== "POST") return url.searchParams.get("ticket") ?? undefined;
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) return undefined;
  }
  return new URLSearchParams(body).get("ticket") ?? undefined;
}

export function createGatekeeper(deps: GatekeeperDeps): http.Server {
  const { config, log } = deps;
  const nowMs = deps.nowMs ?? Date.now;
  const startedAt = Math.floor(nowMs() / 1000);
  const nonces = new NonceStore();
  const byAddress = new RateLimiter(config.addressRate);
  const bySession = new RateLimiter(config.sessionRate);

  const cookieFor = (session: Session) =>
    `${SESSION_COOKIE}=${mintSession(config.cookieSecret, session)}; Path=/; ` +
    `Max-Age=${config.sessionSeconds}; Secure; HttpOnly; SameSite=Strict`;

  function limited(ctx: Context, limiter: RateLimiter, key: string, scope: string): boolean {
    const wait = limiter.take(key, nowMs());
    if (wait === 0) return false;
    log("rate-limited", { ...ctx.fields, scope });
    send(ctx.res, 429, "Too many requests; slow down and try again.", {
      "Retry-After": String(wait),
    });
    return true;
  }

  function refuse(ctx: Context, event: string, reason: string, body: string): void {
    log(event, { ...ctx.fields, reason });
    send(ctx.res, 401, body);
  }

  /** The session in the cookie, if it is genuine, unexpired, for this host and its current owner. */
  function currentSession(ctx: Context): Session | string {
    const token = readCookie(ctx.req.headers.cookie, SESSION_COOKIE);
    if (!token) return "no-session";
    const checked = verifySession(config.cookieSecret, token, Math.floor(nowMs() / 1000));
    if (!checked.ok) return checked.reason;
    if (checked.value.host !== ctx.host) return "wrong-host";
    if (checked.value.sub !== ctx.entry?.userId) return "not-owner";
    return checked.value;
  }

  function authorize(ctx: Context): void {
    const session = currentSession(ctx);
    if (typeof session === "string") {
      return refuse(ctx, "auth-refused", session, "Open this worker from your dashboard.");
    }
    if (limited(ctx, bySession, session.sid, "session")) return;
    send(ctx.res, 200, "", { [IDENTITY_HEADER]: session.sub });
  }

  async function openSession(ctx: Context, url: URL): Promise<void> {
    const expired =
      "This link has expired or was already used; open the worker from your dashboard.";
    const token = await readTicket(ctx.req, url);
    const now = Math.floor(nowMs() / 1000);
    const checked = token ? verifyTicket(config.ticketSecret, token, now) : undefined;
    if (!checked) return refuse(ctx, "ticket-refused", "no-ticket", expired);
    if (!checked.ok) return refuse(ctx, "ticket-refused", checked.reason, expired);
    const ticket = checked.value;
    // Nonces are kept in memory only, so tickets minted before this process started are not trusted.
    if (ticket.iat < startedAt) return refuse(ctx, "ticket-refused", "before-start", expired);
    if (ticket.host !== ctx.host) return refuse(ctx, "ticket-refused", "wrong-host", expired);
    if (ticket.sub !== ctx.entry?.userId)
      return refuse(ctx, "ticket-refused", "not-owner", expired);
    if (!nonces.claim(ticket.nonce, ticket.exp, now)) {
      return refuse(ctx, "ticket-refused", "replayed", expired);
    }
    const session = { sub: ticket.sub, host: ctx.host, sid: newSessionId(), exp: now };
    session.exp += config.sessionSeconds;
    log("session-opened", ctx.fields);
    send(ctx.res, 303, "", { Location: "/", "Set-Cookie": cookieFor(session) });
  }

  function renewSession(ctx: Context): void {
    const session = currentSession(ctx);
    if (typeof session === "string") {
      return refuse(ctx, "renew-refused", session, "Open this worker from your dashboard.");
    }
    const renewed = { ...session, exp: Math.floor(nowMs() / 1000) + config.sessionSeconds };
    log("session-renewed", ctx.fields);
    send(ctx.res, 204, "", { "Set-Cookie": cookieFor(renewed) });
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://gatekeeper.invalid");
    if (url.pathname === "/healthz") {
      return send(res, 200, JSON.stringify({ ok: true, hosts: deps.hosts().byHost.size }));
    }
    const host = (req.headers.host ?? "").toLowerCase().replace(/:\d+$/, "");
    const hosts = deps.hosts();
    const entry = hosts.byHost.get(host);
    const peer = req.socket.remoteAddress ?? "";
    const client = clientAddress(
      req.headers["x-forwarded-for"] as string,
      peer,
      config.trustedProxies,
    );
    const fields = { host, slug: entry?.slug, cell: hosts.cell, client };
    const ctx: Context = { req, res, host, entry, client, fields };
    const known = ["/_iw/auth", "/_iw/session", "/_iw/renew"].includes(url.pathname);
    if (!known) return send(res, 404, "Not found.");
    if (limited(ctx, byAddress, client, "address")) return;
    if (url.pathname === "/_iw/auth") return authorize(ctx);
    if (req.method !== "GET" && req.method !== "POST") return send(res, 405, "Use GET or POST.");
    if (url.pathname === "/_iw/session") return openSession(ctx, url);
    return renewSession(ctx);
  }

  return http.createServer((req, res) => {
    route(req, res).catch(() => {
      log("internal-error", { path: req.url?.split("?")[0] });
      if (!res.headersSent) send(res, 500, "The gatekeeper failed; try again.");
    });
  });
}
