/**
 * Docker plumbing for the worker image tests: building the image once per machine, running commands,
 * and undoing everything a test created (containers, networks, volumes, firewall chains) in reverse.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { IDENTITY_HEADER, PORTS } from "../../lib/cell-contract";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..", "..");

/** The tag the build script produces and the dev stack runs. */
export const WORKER_IMAGE = process.env.WORKER_IMAGE ?? "instantworker/worker:0.1.0";
/** Plain Node 24 on Debian: the stand-ins (model gateway, edge, other worker) run on it. */
export const STANDIN_IMAGE = "instantworker/node:24-bookworm-local";

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export async function sh(command: string, args: string[], timeoutMs = 120_000): Promise<Result> {
  try {
    const { stdout, stderr } = await run(command, args, {
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === "number" ? e.code : 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    };
  }
}

export async function docker(...args: string[]): Promise<string> {
  const result = await sh("docker", args);
  if (result.code !== 0) {
    throw new Error(`docker ${args.slice(0, 2).join(" ")} failed: ${result.stderr.trim()}`);
  }
  return result.stdout.trim();
}

let built: Promise<void> | undefined;

/** Builds the image with the project's own script; its layer cache makes repeat builds quick. */
export function ensureWorkerImage(): Promise<void> {
  built ??= (async () => {
    const script = path.join(ROOT, "scripts", "build-worker-image.sh");
    const env = { ...process.env, WORKER_IMAGE };
    const { code, stderr } = await new Promise<Result>((resolve) => {
      execFile("bash", [script], { env, timeout: 20 * 60_000 }, (error, stdout, err) =>
        resolve({ code: error ? 1 : 0, stdout, stderr: err }),
      );
    });
    if (code !== 0) throw new Error(`the worker image did not build: ${stderr.trim()}`);
  })();
  return built;
}

export const suffix = () => randomBytes(3).toString("hex");

/** Undo steps run last-in first-out, each allowed to fail without hiding the others. */
export class Cleanup {
  private readonly steps: (() => Promise<unknown>)[] = [];

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  container(name: string): void {
    this.add(() => sh("docker", ["rm", "-f", "-v", name]));
  }

  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => undefined);
    this.steps.length = 0;
  }
}

/** Creates a bridge network on a free /24 under `prefix`, trying a few third octets. */
export async function createNetwork(
  name: string,
  prefix: string,
  options: string[],
): Promise<{ subnet: string; base: string }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const base = `${prefix}.${Math.floor(Math.random() * 250) + 1}`;
    const subnet = `${base}.0/24`;
    const result = await sh("docker", ["network", "create", "--subnet", subnet, ...options, name]);
    if (result.code === 0) return { subnet, base };
    if (!/overlap/i.test(result.stderr)) throw new Error(`docker network create: ${result.stderr}`);
  }
  throw new Error(`no free /24 under ${prefix}.0.0/16 after 8 attempts`);
}

/** A small TCP/HTTP service written inline: answers every request with `body`. */
export function httpStandIn(port: number, body: string): string[] {
  const js = `require("http").createServer((q,s)=>{s.setHeader("content-type","application/json");s.end(${JSON.stringify(body)})}).listen(${port})`;
  return ["node", "-e", js];
}

/** Node one-liner that prints `connected`, `refused` or `timeout` for a TCP connection attempt. */
export function tcpProbe(host: string, port: number, timeoutMs = 2_000): string[] {
  const js =
    `const s=require("net").connect(${port},${JSON.stringify(host)});` +
    `const t=setTimeout(()=>{console.log("timeout");process.exit(0)},${timeoutMs});` +
    `s.on("connect",()=>{console.log("connected");process.exit(0)});` +
    `s.on("error",e=>{clearTimeout(t);console.log(e.code==="ECONNREFUSED"?"refused":e.code);process.exit(0)})`;
  return ["node", "-e", js];
}

export async function waitForHealth(container: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let status = "";
  while (Date.now() < deadline) {
    status = await docker("inspect", "-f", "{{.State.Status}}/{{.State.Health.Status}}", container);
    if (status.endsWith("/healthy") || status.startsWith("exited")) return status;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return status;
}

/**
 * Calls the gateway's authenticated tool endpoint the way the edge does (forwarded-for rebuilt, the
 * identity header set when `user` is given) from inside the container `from`.
 */
export async function invokeTool(
  from: string,
  address: string,
  user: string | undefined,
  tool: string,
  args: Record<string, unknown>,
): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-forwarded-for": "203.0.113.7",
    "x-forwarded-proto": "https",
  };
  if (user !== undefined) headers[IDENTITY_HEADER] = user;
  const url = `http://${address}:${PORTS.gateway}/tools/invoke`;
  const js =
    `fetch(${JSON.stringify(url)},{method:"POST",headers:${JSON.stringify(headers)},` +
    `body:${JSON.stringify(JSON.stringify({ tool, args }))}})` +
    ".then(async r=>console.log(JSON.stringify({status:r.status,body:await r.text()})))" +
    ".catch(e=>console.log(JSON.stringify({status:0,body:String(e.cause?.code??e.message)})))";
  const { stdout } = await sh("docker", ["exec", from, "node", "-e", js], 180_000);
  try {
    return JSON.parse(stdout.trim());
  } catch {
    return { status: 0, body: stdout };
  }
}
