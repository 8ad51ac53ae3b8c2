/**
 * Worker benchmark (`npm run bench:worker`): image size, `docker start` to a gateway answering
 * `/healthz` on a fresh data volume and again after a restart, and the idle memory of the whole worker
 * (gateway, Xvfb, VNC, noVNC and a started, idle Chromium). The worker runs from the program's own
 * spec, exactly as in test/worker-image. Prints figures only; nothing here asserts a time.
 */
import { PORTS } from "../lib/cell-contract";
import { type CellUnderTest, startCellUnderTest } from "../test/worker-image/cell-under-test";
import {
  WORKER_IMAGE,
  docker,
  ensureWorkerImage,
  invokeTool,
  sh,
  waitForHealth,
} from "../test/worker-image/harness";

const MB = 1024 * 1024;

async function main(): Promise<void> {
  await ensureWorkerImage();
  const size = Number(await docker("image", "inspect", "-f", "{{.Size}}", WORKER_IMAGE));
  report("image size", `${(size / 1e6).toFixed(0)} MB`, "goal < 1500 MB");

  const cell = await startCellUnderTest();
  try {
    const fresh = await untilHealthz(cell, cell.startedAt);
    report("docker start → /healthz, fresh volume", `${(fresh / 1000).toFixed(1)} s`, "goal 8 s");
    await waitForHealth(cell.worker, 300_000);
    report(
      "docker start → Docker 'healthy', fresh volume",
      `${((Date.now() - cell.startedAt) / 1000).toFixed(1)} s`,
      "bounded below by the spec's health check interval",
    );
    await phases(cell);

    const restartAt = Date.now();
    await docker("restart", "-t", "20", cell.worker);
    const again = await untilHealthz(cell, restartAt);
    report("docker restart → /healthz, migrated state", `${(again / 1000).toFixed(1)} s`, "");

    await startBrowser(cell);
    await new Promise((r) => setTimeout(r, 20_000));
    await memory(cell);
  } finally {
    await cell.cleanup.run();
  }
}

/** Polls `/healthz` from the edge stand-in, in one process, and returns ms since `since`. */
async function untilHealthz(cell: CellUnderTest, since: number): Promise<number> {
  const url = `http://${cell.addresses.worker}:${PORTS.gateway}/healthz`;
  const js =
    `const go=()=>fetch(${JSON.stringify(url)}).then(r=>r.ok?console.log(Date.now()):retry(),retry);` +
    "const retry=()=>setTimeout(go,200);go()";
  const { stdout } = await sh("docker", ["exec", cell.containers.edge, "node", "-e", js], 300_000);
  return Number(stdout.trim()) - since;
}

/** Where the fresh start spent its time, from the entrypoint's and the gateway's own log lines. */
async function phases(cell: CellUnderTest): Promise<void> {
  const { stdout } = await sh("docker", ["logs", "--timestamps", cell.worker]);
  const at = (pattern: RegExp) => {
    const line = stdout.split("\n").find((l) => pattern.test(l));
    return line ? Date.parse(line.slice(0, 30)) - cell.startedAt : NaN;
  };
  report(
    "  entrypoint configured (templates, config, approvals set)",
    ms(at(/"event":"configured"/)),
    "",
  );
  report("  gateway first log line", ms(at(/\[gateway\] loading configuration/)), "");
  report("  gateway http server listening", ms(at(/http server listening/)), "");
}

async function startBrowser(cell: CellUnderTest): Promise<void> {
  for (const args of [{ action: "start" }, { action: "open", url: "about:blank" }]) {
    const result = await invokeTool(
      cell.containers.edge,
      cell.addresses.worker,
      cell.userId,
      "browser",
      args,
    );
    if (result.status !== 200)
      console.log(`browser ${args.action}: HTTP ${result.status} ${result.body.slice(0, 200)}`);
  }
}

async function memory(cell: CellUnderTest): Promise<void> {
  const script =
    "for d in /proc/[0-9]*; do c=$(cat $d/comm 2>/dev/null) || continue; " +
    "r=$(awk '/^VmRSS/{print $2}' $d/status 2>/dev/null); p=$(awk '/^Pss:/{print $2}' $d/smaps_rollup 2>/dev/null); " +
    'echo "$c ${r:-0} ${p:-0}"; done';
  const { stdout } = await sh("docker", ["exec", cell.worker, "sh", "-c", script]);
  const rows = stdout
    .trim()
    .split("\n")
    .map((l) => l.split(" "))
    .filter((r) => r.length === 3);
  const byName = new Map<string, { rss: number; pss: number }>();
  for (const [name, rss, pss] of rows) {
    const entry = byName.get(name) ?? { rss: 0, pss: 0 };
    byName.set(name, { rss: entry.rss + Number(rss) * 1024, pss: entry.pss + Number(pss) * 1024 });
  }
  const total = [...byName.values()].reduce((a, b) => ({ rss: a.rss + b.rss, pss: a.pss + b.pss }));
  report(
    "idle memory, whole worker (sum of PSS)",
    `${(total.pss / MB).toFixed(0)} MB`,
    "goal < 600 MB",
  );
  report("idle memory, whole worker (sum of RSS)", `${(total.rss / MB).toFixed(0)} MB`, "");
  const sorted = [...byName.entries()].sort((a, b) => b[1].pss - a[1].pss).slice(0, 8);
  for (const [name, m] of sorted) report(`  ${name}`, `${(m.pss / MB).toFixed(0)} MB PSS`, "");
  const stats = await docker("stats", "--no-stream", "--format", "{{.MemUsage}}", cell.worker);
  report("docker stats memory usage", stats, "");
}

const ms = (value: number) => (Number.isNaN(value) ? "n/a" : `${(value / 1000).toFixed(1)} s`);

function report(what: string, value: string, note: string): void {
  console.log(`${what.padEnd(58)} ${value.padStart(12)}  ${note}`);
}

main().catch((error: unknown) => {
  console.error(`bench:worker failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
