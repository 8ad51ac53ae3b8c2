/**
 * A whole edge on loopback for the live tests and the benchmark: the real Caddy with the rendered
 * Caddyfile, the real gatekeeper as its own process, and STAND-IN workers (small Node servers that play
 * OpenClaw's gateway and noVNC, sending OpenClaw's anti-framing headers) on random 127.x addresses.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket, { WebSocketServer } from "ws";
import { IDENTITY_HEADER, PORTS, workerHostname } from "../../lib/cell-contract";
import { renderCaddyfile } from "../../lib/render/caddyfile";
import { freePort } from "../support/ports";
import { renderHostMap } from "../../gatekeeper/hosts";
import { mintTicket } from "../../gatekeeper/tokens";

export const ZONE = "iw.test";
const REPO = path.resolve(__dirname, "../..");

export interface StandInWorker {
  slug: string;
  userId: string;
  address: string;
  host: string;
  close(): Promise<void>;
}

/** A self-signed certificate for the zone and its one-label subdomains, made fresh for each run. */
export function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${ZONE}`],
      ...["-addext", `subjectAltName=DNS:${ZONE},DNS:*.${ZONE}`],
    ],
    { stdio: "ignore" },
  );
  return { cert, key };
}

function standInPage(slug: string, req: http.IncomingMessage): string {
  const user = String(req.headers[IDENTITY_HEADER.toLowerCase()] ?? "none");
  return `<!doctype html><title>${slug}</title><h1 id="marker">stand-in worker ${slug}</h1><p id="user">${user}</p>`;
}

/** STAND-IN for one worker's OpenClaw gateway (echoes what it received) and noVNC (one fixed page). */
export async function startStandInWorker(slug: string): Promise<StandInWorker> {
  const address = `127.${1 + (randomBytes(1)[0] % 250)}.${randomBytes(1)[0]}.${16 + (randomBytes(1)[0] % 200)}`;
  const gateway = http.createServer((req, res) => {
    const headers = {
      "X-Frame-Options": "DENY",
      "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    };
    if (req.url?.startsWith("/echo")) {
      res.writeHead(200, { ...headers, "Content-Type": "application/json" });
      return res.end(JSON.stringify({ worker: slug, url: req.url, headers: req.headers }));
    }
    res.writeHead(200, { ...headers, "Content-Type": "text/html" });
    res.end(standInPage(slug, req));
  });
  const wss = new WebSocketServer({ server: gateway });
  wss.on("connection", (socket, req) => {
    socket.send(JSON.stringify({ worker: slug, user: req.headers[IDENTITY_HEADER.toLowerCase()] }));
    socket.on("message", (data) => socket.send(`echo:${String(data)}`));
  });
  const novnc = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end(`stand-in novnc ${slug} ${req.url}`);
  });
  await new Promise<void>((r) => gateway.listen(PORTS.gateway, address, r));
  await new Promise<void>((r) => novnc.listen(PORTS.novnc, address, r));
  return {
    slug,
    userId: randomUUID(),
    address,
    host: workerHostname(slug, ZONE),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      gateway.closeAllConnections();
      novnc.closeAllConnections();
      await Promise.all([gateway, novnc].map((s) => new Promise((r) => s.close(r))));
    },
  };
}

export interface EdgeOptions {
  dashboardOrigin: string;
  sessionRate?: string;
  addressRate?: string;
  /** Extra Caddyfile text appended to the rendered file (the benchmark's direct site). */
  extraSites?: (tls: { cert: string; key: string }) => string;
}

export interface RunningEdge {
  dir: string;
  httpsPort: number;
  gatekeeperPort: number;
  ticketSecret: string;
  tls: { cert: string; key: string };
  caddyfile: string;
  /** Everything the gatekeeper and Caddy printed, for the tests that prove what is never logged. */
  output(): string;
  mint(worker: StandInWorker, overrides?: Partial<TicketFields>): string;
  stop(): Promise<void>;
}

export interface TicketFields {
  sub: string;
  host: string;
  iat: number;
  exp: number;
  nonce: string;
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not open port ${port} within 10 s`);
}

function startGatekeeper(dir: string, port: number, options: EdgeOptions, log: string[]) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(REPO, "gatekeeper/main.ts")],
    {
      cwd: REPO,
      env: {
        PATH: process.env.PATH,
        IW_GATEKEEPER_LISTEN: `127.0.0.1:${port}`,
        IW_GATEKEEPER_HOSTS_FILE: path.join(dir, "hosts.json"),
        IW_GATEKEEPER_SECRETS_FILE: path.join(dir, "secrets.json"),
        IW_GATEKEEPER_TRUSTED_PROXIES: "127.0.0.0/8",
        IW_GATEKEEPER_SESSION_RATE: options.sessionRate ?? "1000/5000",
        IW_GATEKEEPER_ADDRESS_RATE: options.addressRate ?? "1000/5000",
        IW_GATEKEEPER_HOSTS_POLL_MS: "100",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout!.on("data", (d) => log.push(String(d)));
  child.stderr!.on("data", (d) => log.push(String(d)));
  return child;
}

function startCaddy(dir: string, caddyfile: string, log: string[]) {
  writeFileSync(path.join(dir, "Caddyfile"), caddyfile);
  const child = spawn(
    "caddy",
    ["run", "--config", path.join(dir, "Caddyfile"), "--adapter", "caddyfile"],
    {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout!.on("data", (d) => log.push(String(d)));
  child.stderr!.on("data", (d) => log.push(String(d)));
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

export function writeHostMap(dir: string, workers: StandInWorker[]): void {
  const entries = workers.map((w) => ({ host: w.host, slug: w.slug, userId: w.userId }));
  const tmp = path.join(dir, "hosts.json.tmp");
  writeFileSync(tmp, renderHostMap("test-cell", entries));
  execFileSync("mv", [tmp, path.join(dir, "hosts.json")]);
}

export async function startEdge(
  workers: StandInWorker[],
  options: EdgeOptions,
): Promise<RunningEdge> {
  const dir = mkdtempSync(path.join(tmpdir(), "iw-edge-"));
  const log: string[] = [];
  const ticketSecret = randomBytes(32).toString("base64url");
  const secrets = { ticketSecret, cookieSecret: randomBytes(32).toString("base64url") };
  writeFileSync(path.join(dir, "secrets.json"), JSON.stringify(secrets), { mode: 0o600 });
  writeHostMap(dir, workers);
  const tls = makeCertificate(dir);
  const [gatekeeperPort, httpsPort, httpPort, adminPort] = await Promise.all(
    [0, 1, 2, 3].map(() => freePort()),
  );
  const caddyfile =
    renderCaddyfile({
      zone: ZONE,
      dashboardOrigin: options.dashboardOrigin,
      workers: workers.map((w) => ({ slug: w.slug, address: w.address })),
      gatekeeper: `127.0.0.1:${gatekeeperPort}`,
      tls: { mode: "files", ...tls },
      admin: `127.0.0.1:${adminPort}`,
      httpPort,
      httpsPort,
    }) + (options.extraSites?.(tls) ?? "");
  const gatekeeper = startGatekeeper(dir, gatekeeperPort, options, log);
  const caddy = startCaddy(dir, caddyfile, log);
  const stop = async () => {
    await Promise.all([stopChild(caddy), stopChild(gatekeeper)]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(gatekeeperPort, gatekeeper, "the gatekeeper");
    await waitForPort(httpsPort, caddy, "caddy");
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}:\n${log.join("")}`);
  }
  const mint = (worker: StandInWorker, overrides: Partial<TicketFields> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const fields = { sub: worker.userId, host: worker.host, iat: now, exp: now + 30 };
    return mintTicket(ticketSecret, {
      ...fields,
      nonce: randomBytes(16).toString("base64url"),
      ...overrides,
    });
  };
  return {
    dir,
    httpsPort,
    gatekeeperPort,
    ticketSecret,
    tls,
    caddyfile,
    output: () => log.join(""),
    mint,
    stop,
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTPS request to the edge as if `host` resolved to loopback: SNI and Host carry the name. */
export function request(
  edge: RunningEdge,
  host: string,
  pathAndQuery: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port: edge.httpsPort,
        servername: host,
        path: pathAndQuery,
        method,
        headers: { Host: `${host}:${edge.httpsPort}`, ...headers },
        ca: readFileSync(edge.tls.cert),
        agent: false,
      },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Redeems a ticket and returns the `Cookie` header value the browser would send next. */
export async function openSession(edge: RunningEdge, worker: StandInWorker): Promise<string> {
  const reply = await request(edge, worker.host, `/_iw/session?ticket=${edge.mint(worker)}`);
  const setCookie = reply.headers["set-cookie"]?.[0];
  if (reply.status !== 303 || !setCookie)
    throw new Error(`no session: ${reply.status} ${reply.body}`);
  return setCookie.split(";")[0];
}

/** A WebSocket to the edge as a browser on `worker`'s hostname would open it. */
export function openSocket(
  edge: RunningEdge,
  worker: StandInWorker,
  headers: Record<string, string>,
) {
  const options = {
    headers: { Host: `${worker.host}:${edge.httpsPort}`, ...headers },
    servername: worker.host,
    ca: readFileSync(edge.tls.cert),
  };
  return new WebSocket(`wss://127.0.0.1:${edge.httpsPort}/ws`, options as WebSocket.ClientOptions);
}
