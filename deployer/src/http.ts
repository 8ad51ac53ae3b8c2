/**
 * The deployer's HTTP face: two signed webhook endpoints that only journal events and wake the
 * reconciler (they never wait for a run), a health check, metrics and a read-only list of recent runs.
 */
import crypto from "node:crypto";
import http from "node:http";
import { BadRequest, type Intake, Unauthorized } from "./intake";
import type { Journal } from "./journal";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import { parseSupabase, verifySupabase } from "./supabase";
import { STRIPE_SIGNATURE_HEADER, parseStripe, verifyStripe } from "./stripe";

export interface ServerOptions {
  journal: Journal;
  reconciler: { notify(): void };
  metrics: Metrics;
  log: Logger;
  supabaseSecret: string;
  stripeSecret: string;
  profilesTable: string;
  cells: string[];
  /** When set, `/runs` and `/metrics` need `Authorization: Bearer <token>`. */
  adminToken?: string;
  bodyLimitBytes: number;
  now?: () => number;
}

class TooLarge extends Error {}

type Reply = { status: number; body: unknown; contentType?: string };

export function createDeployerServer(o: ServerOptions): http.Server {
  const now = o.now ?? Date.now;
  return http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const route = routeOf(req);
    handle(o, route, req, now)
      .catch((err: unknown) => errorReply(o, route, err))
      .then((reply) => {
        const payload =
          typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body) + "\n";
        const headers: http.OutgoingHttpHeaders = {
          "content-type": reply.contentType ?? "application/json",
        };
        // A refused upload may still be arriving; closing the connection stops reading it.
        if (reply.status === 413) headers.connection = "close";
        res.writeHead(reply.status, headers).end(payload);
        if (route.startsWith("webhook")) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          o.metrics.observe(
            "deployer_accept_seconds",
            "Time to verify, journal and answer a webhook delivery.",
            [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
            seconds,
          );
        }
        o.metrics.inc("deployer_http_requests_total", "HTTP requests by route and status.", {
          route,
          status: String(reply.status),
        });
      });
  });
}

function routeOf(req: http.IncomingMessage): string {
  const path = (req.url ?? "/").split("?")[0];
  const routes: Record<string, string> = {
    "/webhooks/supabase": "webhook_supabase",
    "/webhooks/stripe": "webhook_stripe",
    "/healthz": "healthz",
    "/metrics": "metrics",
    "/runs": "runs",
  };
  return routes[path] ?? "unknown";
}

async function handle(
  o: ServerOptions,
  route: string,
  req: http.IncomingMessage,
  now: () => number,
): Promise<Reply> {
  const method = route.startsWith("webhook") ? "POST" : "GET";
  if (route === "unknown") return { status: 404, body: { error: "no such endpoint" } };
  if (req.method !== method) {
    return {
      status: 405,
      body: { error: `\`${req.method}\` is not accepted here (use ${method})` },
    };
  }
  if (route === "healthz") {
    o.journal.ping();
    return { status: 200, body: { status: "ok" } };
  }
  if (route === "metrics" || route === "runs") {
    if (!adminAllowed(o, req))
      return { status: 401, body: { error: "a bearer token is required" } };
    if (route === "metrics") {
      return { status: 200, body: o.metrics.render(), contentType: "text/plain; version=0.0.4" };
    }
    return { status: 200, body: listRuns(o, req) };
  }
  const body = await readBody(req, o.bodyLimitBytes);
  const intake =
    route === "webhook_supabase"
      ? parseSupabase(
          verifySupabase(o.supabaseSecret, req.headers, body, now()),
          body,
          o.profilesTable,
        )
      : parseStripe(verifyStripe(o.stripeSecret, req.headers[STRIPE_SIGNATURE_HEADER], body));
  return accept(o, intake, now());
}

function accept(o: ServerOptions, intake: Intake, now: number): Reply {
  const source = intake.kind === "accepted" ? intake.event.source : "any";
  if (intake.kind === "ignored") {
    o.metrics.inc("deployer_events_total", "Webhook events by outcome.", { outcome: "ignored" });
    return { status: 202, body: { status: "ignored", reason: intake.reason } };
  }
  const { event } = intake;
  const unknown = event.cells.filter((c) => !o.cells.includes(c));
  if (unknown.length) {
    o.log.warn("event for a cell this deployer does not own", { event: event.id, cells: unknown });
    o.metrics.inc("deployer_events_total", "Webhook events by outcome.", { outcome: "foreign" });
    return {
      status: 202,
      body: { status: "ignored", reason: `cell ${unknown[0]} is not served here` },
    };
  }
  const fresh = o.journal.recordEvent(event, now);
  o.metrics.inc("deployer_events_total", "Webhook events by outcome.", {
    outcome: fresh ? "accepted" : "duplicate",
    source,
  });
  if (!fresh) return { status: 200, body: { status: "duplicate" } };
  o.log.info("event accepted", {
    event: event.id,
    type: event.type,
    subject: event.subject,
    cells: event.cells,
  });
  o.reconciler.notify();
  return { status: 202, body: { status: "accepted", cells: event.cells } };
}

function errorReply(o: ServerOptions, route: string, err: unknown): Reply {
  if (err instanceof Unauthorized) {
    o.log.warn("webhook refused: bad signature", { route, reason: err.message });
    return { status: 401, body: { error: "the signature is missing or invalid" } };
  }
  if (err instanceof TooLarge) return { status: 413, body: { error: err.message } };
  if (err instanceof BadRequest) return { status: 400, body: { error: err.message } };
  o.log.error("request failed", {
    route,
    message: err instanceof Error ? err.message : String(err),
  });
  return { status: 500, body: { error: "internal error" } };
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  const tooLarge = () => new TooLarge(`the body is larger than the limit of ${limit} bytes`);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => (size > limit ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

function adminAllowed(o: ServerOptions, req: http.IncomingMessage): boolean {
  if (!o.adminToken) return true;
  const given = Buffer.from(req.headers.authorization ?? "");
  const expected = Buffer.from(`Bearer ${o.adminToken}`);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

function listRuns(o: ServerOptions, req: http.IncomingMessage) {
  const url = new URL(req.url ?? "/", "http://deployer");
  const limit = Number(url.searchParams.get("limit") ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new BadRequest(`limit \`${url.searchParams.get("limit")}\` is not accepted (1 to 500)`);
  }
  const cell = url.searchParams.get("cell") ?? undefined;
  return { runs: o.journal.recentRuns(limit, cell), dirty: o.journal.dirtyCells() };
}
