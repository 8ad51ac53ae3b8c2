/**
 * The data-lifecycle command of a cell host.
 *
 *   purge [--confirm]      list volumes due for purging (dry run), or archive, verify and remove them
 *   purge record-absence   update the absence ledger from the cell file (run daily by a timer)
 *   purge restore --archive FILE --volume NAME
 *                          unpack an archive into a new volume and check it entry by entry
 *
 * Every step is logged as one JSON line on stdout.
 */
import { parseArgs, positiveNumber, required, type Parsed } from "./args";
import { readCellFile } from "./cell-file";
import { runCli } from "./cli-support";
import { dockerApi } from "./docker-api";
import { OpsError } from "./errors";
import { restoreArchive, listWorkerVolumes } from "./lifecycle/archive";
import { emptyLedger, guardRoster, recordAbsence, type Ledger } from "./lifecycle/ledger";
import { runPurge } from "./lifecycle/purge";
import { jsonLogger, type Logger } from "./log";
import { readState, writeState } from "./state";

const SPEC = {
  values: {
    "cell-file": "/etc/instantworker/cell.json",
    ledger: "/var/lib/instantworker/lifecycle/absence.json",
    "archive-dir": "/var/backups/instantworker",
    "retention-days": "30",
    "helper-image": "instantworker/cell-tools:latest",
    archive: undefined,
    volume: undefined,
  },
  booleans: ["confirm", "allow-empty-roster"],
};

async function recordCommand(args: Parsed, log: Logger): Promise<number> {
  const cell = readCellFile(required(args, "cell-file"));
  const ledgerPath = required(args, "ledger");
  const volumes = await listWorkerVolumes(dockerApi());
  guardRoster(cell.slugs, volumes, args.flags.has("allow-empty-roster"));
  const before = readState<Ledger>(ledgerPath, emptyLedger);
  const { ledger, started, cleared } = recordAbsence(before, volumes, cell.slugs, new Date());
  writeState(ledgerPath, ledger);
  log("absence.recorded", {
    cell: cell.cell,
    started,
    cleared,
    absent: Object.keys(ledger.absent),
  });
  return 0;
}

async function purgeCommand(args: Parsed, log: Logger): Promise<number> {
  const report = await runPurge({
    api: dockerApi(),
    cell: readCellFile(required(args, "cell-file")),
    ledger: readState<Ledger>(required(args, "ledger"), emptyLedger),
    archiveRoot: required(args, "archive-dir"),
    retentionDays: positiveNumber(args, "retention-days"),
    helperImage: required(args, "helper-image"),
    confirm: args.flags.has("confirm"),
    allowEmptyRoster: args.flags.has("allow-empty-roster"),
    log,
  });
  return report.failed.length ? 1 : 0;
}

async function restoreCommand(args: Parsed, log: Logger): Promise<number> {
  const archive = required(args, "archive");
  const volume = required(args, "volume");
  log("restore.start", { archive, volume });
  const entries = await restoreArchive(
    dockerApi(),
    archive,
    volume,
    required(args, "helper-image"),
  );
  log("restore.done", { archive, volume, entries });
  return 0;
}

const COMMANDS: Record<string, (args: Parsed, log: Logger) => Promise<number>> = {
  run: purgeCommand,
  "record-absence": recordCommand,
  restore: restoreCommand,
};

export async function purgeMain(argv: string[], log: Logger = jsonLogger()): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const name = args.positionals[0] ?? "run";
  const command = COMMANDS[name];
  if (!command || args.positionals.length > 1) {
    throw new OpsError(
      `Command \`${args.positionals.join(" ")}\` is unknown; accepted: ${Object.keys(COMMANDS).join(", ")}.`,
    );
  }
  return command(args, log);
}

// Run directly (tsx ops/purge.ts), not when bundled into cell-tools.js, where `module` is the bundle.
if (require.main === module && __filename.endsWith("purge.ts"))
  runCli(() => purgeMain(process.argv.slice(2)));
