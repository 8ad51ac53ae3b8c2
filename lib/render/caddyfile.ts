/**
 * Renders the edge proxy's Caddyfile: one site per worker hostname, each passing every request through
 * the gatekeeper before it reaches that worker's gateway or noVNC over the workers network.
 *
 * One site per worker, not one wildcard site with a host map: an unknown hostname then matches no site at
 * all instead of a catch-all, a worker's routing reads on one line, and a diff of the file shows exactly
 * which worker a signup added. The per-worker part is a snippet, so each site costs two lines.
 */
import { isIP } from "node:net";
import { IDENTITY_HEADER, PORTS, SLUG_PATTERN, workerHostname } from "../cell-contract";

export interface EdgeWorker {
  slug: string;
  /** The worker's address on the workers network. */
  address: string;
}

export type EdgeTls = { mode: "files"; cert: string; key: string } | { mode: "internal" };

export interface CaddyfileInput {
  zone: string;
  /** The only origin allowed to frame a worker, e.g. `https://instantworker.ai`. */
  dashboardOrigin: string;
  workers: EdgeWorker[];
  /** `host:port` of the gatekeeper, as the edge proxy reaches it. */
  gatekeeper: string;
  tls: EdgeTls;
  /** Ranges whose `X-Forwarded-For` is believed (Cloudflare's in production); empty trusts nobody. */
  trustedProxies?: string[];
  /** Caddy's admin endpoint, which `caddy reload` talks to; keep it on loopback. */
  admin?: string;
  /** Listening ports; tests move them off 80/443. */
  httpPort?: number;
  httpsPort?: number;
}

const ZONE = /^(?=.{1,200}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;
const ORIGIN = /^https:\/\/([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9-]+(:\d{1,5})?$/;
const FILE_PATH = /^\/[A-Za-z0-9._/-]+$/;
const HOST_PORT = /^([a-z0-9]([a-z0-9.-]*[a-z0-9])?|\d{1,3}(\.\d{1,3}){3}):\d{1,5}$/;
const LOOPBACK_ADMIN = /^(localhost|127\.0\.0\.1):\d{1,5}$/;

function fail(field: string, value: unknown, accepted: string): never {
  throw new Error(`${field} \`${String(value)}\` is not accepted (accepted: ${accepted})`);
}

function validRange(text: string): boolean {
  const [address, prefix, ...rest] = text.split("/");
  const family = isIP(address);
  const max = family === 6 ? 128 : 32;
  return (
    family > 0 && !rest.length && (prefix === undefined || (/^\d+$/.test(prefix) && +prefix <= max))
  );
}

function checkPort(field: string, port: number | undefined): void {
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    fail(field, port, "a port from 1 to 65535");
  }
}

/** Every value that reaches the text is checked against a closed pattern first. */
export function checkCaddyfileInput(input: CaddyfileInput): void {
  if (!ZONE.test(input.zone)) fail("zone", input.zone, "a lowercase DNS name such as example.com");
  if (!ORIGIN.test(input.dashboardOrigin)) {
    fail("dashboardOrigin", input.dashboardOrigin, "an https origin such as https://example.com");
  }
  if (!HOST_PORT.test(input.gatekeeper)) fail("gatekeeper", input.gatekeeper, "host:port");
  if (input.tls.mode === "files") {
    if (!FILE_PATH.test(input.tls.cert)) fail("tls.cert", input.tls.cert, "an absolute path");
    if (!FILE_PATH.test(input.tls.key)) fail("tls.key", input.tls.key, "an absolute path");
  } else if (input.tls.mode !== "internal") {
    fail("tls.mode", (input.tls as { mode: unknown }).mode, "files or internal");
  }
  for (const range of input.trustedProxies ?? []) {
    if (!validRange(range)) fail("trustedProxies entry", range, "an IP address or CIDR range");
  }
  if (input.admin !== undefined && !LOOPBACK_ADMIN.test(input.admin)) {
    fail("admin", input.admin, "localhost:<port> or 127.0.0.1:<port>");
  }
  checkPort("httpPort", input.httpPort);
  checkPort("httpsPort", input.httpsPort);
  const seen = new Set<string>();
  for (const [i, w] of input.workers.entries()) {
    if (!SLUG_PATTERN.test(w.slug)) fail(`workers[${i}].slug`, w.slug, "a roster slug");
    if (isIP(w.address) !== 4) fail(`workers[${i}].address`, w.address, "an IPv4 address");
    if (seen.has(w.slug)) fail(`workers[${i}].slug`, w.slug, "each slug once");
    seen.add(w.slug);
  }
}

function globalBlock(input: CaddyfileInput): string[] {
  return [
    "{",
    `\tadmin ${input.admin ?? "localhost:2019"}`,
    ...(input.httpPort ? [`\thttp_port ${input.httpPort}`] : []),
    ...(input.httpsPort ? [`\thttps_port ${input.httpsPort}`] : []),
    "}",
  ];
}

/** Shared by every worker site: TLS, access log, response headers, and the gatekeeper in front. */
function siteSnippet(input: CaddyfileInput): string[] {
  const tls = input.tls.mode === "files" ? `${input.tls.cert} ${input.tls.key}` : "internal";
  const trusted = input.trustedProxies?.length
    ? [`\t\ttrusted_proxies ${input.trustedProxies.join(" ")}`]
    : [];
  return [
    "(iw_site) {",
    `\ttls ${tls}`,
    "\tlog {",
    "\t\toutput stdout",
    "\t\tformat filter {",
    "\t\t\twrap json",
    "\t\t\tfields {",
    // The ticket only ever travels in the query of /_iw/session; the cookie is the session itself.
    "\t\t\t\trequest>uri query {",
    "\t\t\t\t\tdelete ticket",
    "\t\t\t\t}",
    "\t\t\t\trequest>headers>Cookie delete",
    "\t\t\t\trequest>headers>Authorization delete",
    "\t\t\t\tresp_headers>Set-Cookie delete",
    "\t\t\t}",
    "\t\t}",
    "\t}",
    "\theader {",
    '\t\tStrict-Transport-Security "max-age=31536000"',
    `\t\tContent-Security-Policy "frame-ancestors ${input.dashboardOrigin}"`,
    "\t\tReferrer-Policy no-referrer",
    "\t}",
    "\t@iw_gatekeeper path /_iw/session /_iw/renew",
    "}",
    "",
    // Order matters and `route` keeps it: strip the client's identity header, let the gatekeeper answer
    // its own paths, then ask it about everything else before anything reaches the worker.
    "(iw_guard) {",
    `\trequest_header -${IDENTITY_HEADER}`,
    `\treverse_proxy @iw_gatekeeper ${input.gatekeeper} {`,
    ...trusted,
    "\t}",
    `\tforward_auth ${input.gatekeeper} {`,
    "\t\turi /_iw/auth",
    `\t\tcopy_headers ${IDENTITY_HEADER}`,
    ...trusted,
    "\t}",
    "}",
    "",
    // OpenClaw answers `X-Frame-Options: DENY` and `frame-ancestors 'none'`; only the dashboard may frame.
    "(iw_frame) {",
    "\theader_down -X-Frame-Options",
    `\theader_down Content-Security-Policy "frame-ancestors[^;]*" "frame-ancestors ${input.dashboardOrigin}"`,
    ...trusted.map((line) => line.slice(1)),
    "}",
  ];
}

function workerSite(zone: string, worker: EdgeWorker): string[] {
  return [
    `${workerHostname(worker.slug, zone)} {`,
    "\timport iw_site",
    "\troute {",
    "\t\timport iw_guard",
    "\t\thandle_path /vnc/* {",
    `\t\t\treverse_proxy ${worker.address}:${PORTS.novnc} {`,
    "\t\t\t\timport iw_frame",
    "\t\t\t}",
    "\t\t}",
    `\t\treverse_proxy ${worker.address}:${PORTS.gateway} {`,
    "\t\t\timport iw_frame",
    "\t\t}",
    "\t}",
    "}",
  ];
}

/** Pure: the same input gives the same bytes, workers in slug order. */
export function renderCaddyfile(input: CaddyfileInput): string {
  checkCaddyfileInput(input);
  const workers = [...input.workers].sort((a, b) => a.slug.localeCompare(b.slug));
  const sites = workers.flatMap((w) => ["", ...workerSite(input.zone, w)]);
  return [...globalBlock(input), "", ...siteSnippet(input), ...sites, ""].join("\n");
}
