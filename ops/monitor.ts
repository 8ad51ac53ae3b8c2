/**
 * The monitors of a cell host, one run per call (systemd timers do the scheduling):
 *
 *   monitor scan     prompt-injection and suspicious-command scan of worker transcripts and logs
 *   monitor egress   egress-proxy refusals per worker
 *   monitor health   restart unhealthy workers, alarm on restart loops
 *   monitor budget   model-gateway budget warnings
 *
 * Alerts go to `IW_ALERT_WEBHOOK`; without it (or with --dry-run) they are only logged.
 * The budget monitor reads the gateway's master key from `IW_MODEL_GATEWAY_MASTER_KEY`.
 */
import { join } from "node:path";
import { logSink, webhookSink, type AlertSink } from "./alerts";
import { parseArgs, required, type Parsed } from "./args";
import { readCellFile } from "./cell-file";
import { runCli } from "./cli-support";
import { dockerApi } from "./docker-api";
import { OpsError } from "./errors";
import { jsonLogger, type Logger } from "./log";
import { runBudget } from "./monitors/budget";
import { runEgress } from "./monitors/egress";
import { runHealth } from "./monitors/health";
import { runScan } from "./scan/scanner";

const SPEC = {
  values: {
    "cell-file": "/etc/instantworker/cell.json",
    "state-dir": "/var/lib/instantworker/monitors",
    "volumes-root": "/var/lib/docker/volumes",
    "access-log": "/var/log/instantworker/egress/access.log",
    "admin-url": "http://10.210.0.3:4000",
  },
  booleans: ["dry-run"],
};

type Run = (args: Parsed, sink: AlertSink, log: Logger) => Promise<unknown>;

const statePath = (args: Parsed, name: string) => join(required(args, "state-dir"), `${name}.json`);

const MONITORS: Record<string, Run> = {
  scan: (args, sink, log) =>
    runScan({
      cell: readCellFile(required(args, "cell-file")),
      volumesRoot: required(args, "volumes-root"),
      statePath: statePath(args, "scan"),
      sink,
      log,
    }),
  egress: (args, sink, log) =>
    runEgress({
      cell: readCellFile(required(args, "cell-file")),
      accessLog: required(args, "access-log"),
      statePath: statePath(args, "egress"),
      sink,
      log,
    }),
  health: (args, sink, log) =>
    runHealth({
      api: dockerApi(),
      cell: readCellFile(required(args, "cell-file")),
      statePath: statePath(args, "health"),
      sink,
      log,
    }),
  budget: (args, sink, log) => {
    const masterKey = process.env.IW_MODEL_GATEWAY_MASTER_KEY;
    if (!masterKey)
      throw new OpsError("IW_MODEL_GATEWAY_MASTER_KEY is not set; the budget monitor needs it.");
    return runBudget({
      cell: readCellFile(required(args, "cell-file")),
      adminUrl: required(args, "admin-url"),
      masterKey,
      statePath: statePath(args, "budget"),
      sink,
      log,
    });
  },
};

export async function monitorMain(argv: string[], log: Logger = jsonLogger()): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const [name, ...extra] = args.positionals;
  const run = name === undefined ? undefined : MONITORS[name];
  if (!run || extra.length) {
    throw new OpsError(
      `Monitor \`${args.positionals.join(" ")}\` is unknown; accepted: ${Object.keys(MONITORS).join(", ")}.`,
    );
  }
  const webhook = process.env.IW_ALERT_WEBHOOK;
  const sink = webhook && !args.flags.has("dry-run") ? webhookSink(webhook, log) : logSink(log);
  await run(args, sink, log);
  return "failures" in sink && (sink as { failures: number }).failures > 0 ? 1 : 0;
}

// Run directly (tsx ops/monitor.ts), not when bundled into cell-tools.js, where `module` is the bundle.
if (require.main === module && __filename.endsWith("monitor.ts")) {
  runCli(() => monitorMain(process.argv.slice(2)));
}
