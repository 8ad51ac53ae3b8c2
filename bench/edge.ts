/**
 * `npm run bench:edge`: requests per second and latency percentiles through the real Caddy with the
 * gatekeeper (`forward_auth` on every request) and through the same Caddy straight to the same STAND-IN
 * upstream, in one run. wrk drives both over HTTPS with keep-alive; it resolves the worker hostnames to
 * loopback through a private /etc/hosts bind-mounted in its own mount namespace (root only), so SNI and
 * Host carry the real names. Goal: gated throughput >= 70% of direct, added p99 <= 2 ms.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { openSession, startEdge, startStandInWorker, ZONE } from "../test/edge/harness";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const DIRECT = `direct-worker.${ZONE}`;

interface Result {
  rps: number;
  p50: number;
  p99: number;
}

/** wrk prints latencies as `1.23ms`, `456.00us` or `1.02s`; all become milliseconds. */
function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text)!;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as "us" | "ms" | "s"];
}

/** Asynchronous on purpose: the stand-in upstream runs in this process and must keep answering. */
async function wrk(hostsFile: string, url: string, cookie: string): Promise<Result> {
  const command =
    `mount --bind ${hostsFile} /etc/hosts && exec wrk -t2 -c${connections} -d${seconds}s ` +
    `--latency -H 'Cookie: ${cookie}' ${url}`;
  const { stdout: out } = await promisify(execFile)("unshare", ["-m", "sh", "-c", command]);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (!/ 99%/.test(out)) throw new Error(`wrk measured nothing against ${url}:\n${out}`);
  if (errors) throw new Error(`${url} answered ${errors[1]} requests with an error status`);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]),
    p50: toMs(/ 50%\s+(\S+)/.exec(out)![1]),
    p99: toMs(/ 99%\s+(\S+)/.exec(out)![1]),
  };
}

async function main(): Promise<void> {
  const worker = await startStandInWorker("alice");
  // The direct site carries the same TLS and headers as a worker site, minus the gatekeeper.
  const direct = (tls: { cert: string; key: string }) =>
    `\n${DIRECT} {\n\timport iw_site\n\treverse_proxy ${worker.address}:18789 {\n` +
    `\t\timport iw_frame\n\t}\n}\n`;
  const edge = await startEdge([worker], {
    dashboardOrigin: `https://dash.${ZONE}`,
    sessionRate: "1000000/1000000",
    addressRate: "1000000/1000000",
    extraSites: direct,
  });
  const dir = mkdtempSync(path.join(tmpdir(), "iw-bench-edge-"));
  try {
    const hostsFile = path.join(dir, "hosts");
    writeFileSync(hostsFile, `127.0.0.1 localhost ${worker.host} ${DIRECT}\n`);
    const cookie = await openSession(edge, worker);
    const base = (host: string) => `https://${host}:${edge.httpsPort}/echo`;
    await wrk(hostsFile, base(worker.host), cookie); // warm-up: TLS session caches, JIT, connection pools
    const gated = await wrk(hostsFile, base(worker.host), cookie);
    const straight = await wrk(hostsFile, base(DIRECT), cookie);
    report(gated, straight);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await edge.stop();
    await worker.close();
  }
}

function report(gated: Result, straight: Result): void {
  const share = (100 * gated.rps) / straight.rps;
  const added = gated.p99 - straight.p99;
  console.log(
    `edge benchmark: wrk -t2 -c${connections} -d${seconds}s over HTTPS, one stand-in upstream`,
  );
  console.log("path                      | req/s    | p50 (ms) | p99 (ms)");
  console.log("------------------------- | -------- | -------- | --------");
  const row = (name: string, r: Result) =>
    `${name.padEnd(25)} | ${r.rps.toFixed(0).padStart(8)} | ${r.p50.toFixed(2).padStart(8)} | ${r.p99.toFixed(2).padStart(8)}`;
  console.log(row("caddy + gatekeeper", gated));
  console.log(row("caddy straight", straight));
  console.log(`throughput: ${share.toFixed(1)}% of direct (goal >= 70%)`);
  console.log(`added p99: ${added.toFixed(2)} ms (goal <= 2 ms)`);
}

main().catch((error) => {
  console.error(`bench:edge failed: ${(error as Error).message}`);
  process.exit(1);
});
