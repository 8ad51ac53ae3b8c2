/**
 * A real Squid on loopback for the egress tests. Worker "addresses" are loopback addresses the test binds
 * as its source, names resolve through a hosts file the test writes, and the targets are echo servers the
 * test runs on a random loopback address, so no probe leaves this machine.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface RunningSquid {
  dir: string;
  port: number;
  configPath: string;
  /** Everything Squid wrote to its stdout, where the rendered config sends the access log. */
  accessLog(): string;
  /** Replaces the config the way the egress proxy does (write aside, rename) and asks Squid to reload it. */
  reconfigure(config: string): void;
  stop(): Promise<void>;
}

export interface Targets {
  address: string;
  close(): Promise<void>;
}

/** Squid drops to this account when started as root; the test starts it there directly, like the image. */
function proxyAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "proxy"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "proxy"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

export function makeSquidDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iw-squid-"));
  fs.chmodSync(dir, 0o755);
  const account = proxyAccount();
  if (account) fs.chownSync(dir, account.uid, account.gid);
  return dir;
}

export { freePort } from "../support/ports";

export async function startSquid(dir: string, port: number, config: string): Promise<RunningSquid> {
  const account = proxyAccount();
  const configPath = path.join(dir, "squid.conf");
  fs.writeFileSync(configPath, config);
  const outPath = path.join(dir, "stdout.log");
  const out = fs.openSync(outPath, "w", 0o644);
  const err = fs.openSync(path.join(dir, "stderr.log"), "w", 0o644);
  if (account) {
    fs.fchownSync(out, account.uid, account.gid);
    fs.fchownSync(err, account.uid, account.gid);
  }
  const child = spawn("squid", ["-N", "-f", configPath], {
    stdio: ["ignore", out, err],
    ...(account ?? {}),
  });
  fs.closeSync(out);
  fs.closeSync(err);
  await waitForListener(port, child, dir);
  return {
    dir,
    port,
    configPath,
    accessLog: () => fs.readFileSync(outPath, "utf8"),
    reconfigure(next: string) {
      fs.writeFileSync(`${configPath}.next`, next);
      fs.renameSync(`${configPath}.next`, configPath);
      execFileSync("squid", ["-k", "reconfigure", "-f", configPath], { stdio: "ignore" });
    },
    stop: () => stopChild(child),
  };
}

async function waitForListener(port: number, child: ChildProcess, dir: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = fs
    .readFileSync(path.join(dir, "stderr.log"), "utf8")
    .split("\n")
    .slice(-5)
    .join("\n");
  await stopChild(child);
  throw new Error(`squid did not listen on 127.0.0.1:${port}; last log lines:\n${log}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Echo servers on ports 443, 80 and 8443 of one random loopback address; each reply names its port. */
export async function startTargets(): Promise<Targets> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const address = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    const servers: net.Server[] = [];
    try {
      for (const port of [443, 80, 8443]) servers.push(await listenEcho(address, port));
      return { address, close: () => closeAll(servers) };
    } catch {
      await closeAll(servers);
    }
  }
  throw new Error("no free loopback address for the target servers after 20 attempts");
}

function listenEcho(address: string, port: number): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on("data", (data) => socket.write(`${port}:${data.toString()}`));
    socket.on("error", () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve(server));
  });
}

async function closeAll(servers: net.Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
}

export interface Tunnel {
  status: number;
  socket: net.Socket;
  /** Sends `text` through the tunnel and resolves with the target's reply. */
  echo(text: string): Promise<string>;
}

/** Asks the proxy for a tunnel to `target` from `source`, the way a worker's browser does. */
export function openTunnel(port: number, source: string, target: string): Promise<Tunnel> {
  return sendToProxy(port, source, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
}

export function sendToProxy(port: number, source: string, request: string): Promise<Tunnel> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress: source });
    let head = "";
    const onData = (data: Buffer) => {
      head += data.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, socket, echo: (text) => echo(socket, text) });
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`proxy did not answer ${request}`)));
    socket.once("connect", () => socket.write(request));
  });
}

function echo(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once("data", (data) => resolve(data.toString()));
    socket.once("error", reject);
    socket.once("close", () => reject(new Error("tunnel closed before the target replied")));
    socket.write(text);
  });
}
