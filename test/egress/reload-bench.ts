/**
 * Benchmark, not a test: how the egress proxy's config scales with the roster, and what a reload costs.
 * Run: node --import tsx test/egress/reload-bench.ts [workers] [domains-per-worker]
 * Prints render time, `squid -k parse` time, Squid's resident memory, and for a reconfigure the time
 * until the new rule is in force and how long new connections were refused meanwhile.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type EgressWorker, PRIVATE_DESTINATIONS, renderSquidConfig } from "../../lib/render/squid";
import { freePort, makeSquidDir, openTunnel, startSquid, startTargets } from "./squid-harness";

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const perWorker = Number(process.argv[3] ?? 10);
  const targets = await startTargets();
  const dir = makeSquidDir();
  const hosts = path.join(dir, "hosts");
  fs.writeFileSync(hosts, `${targets.address} late.example.test\n`);
  const port = await freePort();
  // Worker 0 is the probe, at 127.0.0.2; the rest fill 127.1.0.0/16 as stand-ins for slot addresses.
  const workers: EgressWorker[] = Array.from({ length: count }, (_, i) => ({
    slug: `w${String(i).padStart(5, "0")}`,
    address: i === 0 ? "127.0.0.2" : `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    egressDomains: Array.from({ length: perWorker }, (_, d) => `.d${d}-w${i}.example.test`),
    browser: true,
  }));
  const render = (ws: EgressWorker[]) =>
    renderSquidConfig({
      workers: ws,
      port,
      listenAddress: "127.0.0.1",
      hostsFile: hosts,
      pidFile: path.join(dir, "squid.pid"),
      blockedDestinations: PRIVATE_DESTINATIONS.filter((r) => r !== "127.0.0.0/8"),
      shutdownSeconds: 0,
    });

  let t = performance.now();
  const config = render(workers);
  report(
    "render",
    performance.now() - t,
    `${count} workers x ${perWorker} domains, ${config.length} bytes`,
  );
  fs.writeFileSync(path.join(dir, "parse.conf"), config);
  t = performance.now();
  execFileSync("squid", ["-k", "parse", "-f", path.join(dir, "parse.conf")], { stdio: "ignore" });
  report("squid -k parse", performance.now() - t);

  const squid = await startSquid(dir, port, config);
  const pid = fs.readFileSync(path.join(dir, "squid.pid"), "utf8").trim();
  const rss = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  report("squid resident memory", Number(rss) / 1024, "MiB");

  const next = [
    { ...workers[0], egressDomains: [...workers[0].egressDomains, "late.example.test"] },
  ];
  t = performance.now();
  squid.reconfigure(render([...next, ...workers.slice(1)]));
  let refusedMs = 0;
  for (;;) {
    const probeStart = performance.now();
    const status = await openTunnel(port, "127.0.0.2", "late.example.test:443")
      .then((tunnel) => (tunnel.socket.destroy(), tunnel.status))
      .catch(() => 0);
    if (status === 0) refusedMs += performance.now() - probeStart + 20;
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  report("reconfigure until the new rule holds", performance.now() - t);
  report("new connections refused during it (approx.)", refusedMs);
  await squid.stop();
  await targets.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

function report(what: string, value: number, unit = "ms"): void {
  console.log(`${what}: ${value.toFixed(1)} ${unit}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
