/**
 * The cell host's monitors as systemd units: one oneshot service and one timer per tool run. systemd, not
 * a process of ours, does the scheduling, so a monitor keeps running when the deployer or the program is
 * gone, and a failed run shows in `systemctl --failed` and the journal. Each service runs the cell-tools
 * image with the least the run needs: read-only root, no capabilities unless named, no new privileges,
 * and only the mounts listed for it.
 */
import { WORKER_UID } from "../cell-contract";

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ToolRun {
  /** Unit name without suffix, e.g. `iw-monitor-scan`. */
  unit: string;
  description: string;
  /** A systemd calendar expression (`OnCalendar=`), e.g. `*:0/10`. */
  schedule: string;
  image: string;
  /** Arguments after the image: the cell-tools command line. */
  args: string[];
  user: string;
  mounts: Mount[];
  capabilities: string[];
  envFile?: string;
}

const TOKEN = /^[A-Za-z0-9@+=:,./_-]+$/;
const UNIT = /^iw-[a-z][a-z0-9-]{1,60}$/;
const SCHEDULE = /^[A-Za-z0-9*:/,. ~-]+$/;

function check(value: string, pattern: RegExp, field: string, accepted: string): void {
  if (!pattern.test(value)) throw new Error(`${field} \`${value}\` is not accepted; ${accepted}.`);
}

export function validateToolRun(run: ToolRun): void {
  check(run.unit, UNIT, "Unit name", "use `iw-` and lower-case letters, digits and dashes");
  check(run.schedule, SCHEDULE, "Schedule", "use a systemd calendar expression such as `*:0/10`");
  check(run.description, /^[^\n%]{1,120}$/, "Description", "use one line without `%`");
  const tokens = [run.image, run.user, ...run.args, ...run.capabilities, run.envFile ?? "x"];
  for (const m of run.mounts) tokens.push(m.source, m.target);
  for (const token of tokens)
    check(token, TOKEN, "Argument", "use letters, digits and @+=:,./_- only");
}

function dockerArgs(run: ToolRun): string[] {
  return [
    "run",
    "--rm",
    `--name=${run.unit}`,
    "--network=host",
    "--read-only",
    "--cap-drop=ALL",
    ...run.capabilities.map((c) => `--cap-add=${c}`),
    "--security-opt=no-new-privileges",
    "--pids-limit=64",
    "--memory=256m",
    "--cpus=0.5",
    "--tmpfs=/tmp:rw,nosuid,nodev,size=64m",
    `--user=${run.user}`,
    "--log-driver=none",
    ...(run.envFile ? [`--env-file=${run.envFile}`] : []),
    ...run.mounts.map((m) => `--volume=${m.source}:${m.target}:${m.readOnly ? "ro" : "rw"}`),
    run.image,
    ...run.args,
  ];
}

export function renderService(run: ToolRun): string {
  validateToolRun(run);
  return [
    "[Unit]",
    `Description=${run.description}`,
    "After=docker.service",
    "Requires=docker.service",
    "",
    "[Service]",
    "Type=oneshot",
    // A run killed mid-way leaves its container behind; clear it so the next run can take the name.
    `ExecStartPre=-/usr/bin/docker rm --force ${run.unit}`,
    `ExecStart=/usr/bin/docker ${dockerArgs(run).join(" ")}`,
    "TimeoutStartSec=15min",
    "",
  ].join("\n");
}

export function renderTimer(run: ToolRun): string {
  validateToolRun(run);
  return [
    "[Unit]",
    `Description=Schedule for ${run.description}`,
    "",
    "[Timer]",
    `OnCalendar=${run.schedule}`,
    "Persistent=true",
    "RandomizedDelaySec=30",
    `Unit=${run.unit}.service`,
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
}

/** Where the cell tools keep their files on the host. */
export const HOST_PATHS = {
  etc: "/etc/instantworker",
  cellFile: "/etc/instantworker/cell.json",
  envFile: "/etc/instantworker/cell-tools.env",
  monitorState: "/var/lib/instantworker/monitors",
  ledgerDir: "/var/lib/instantworker/lifecycle",
  egressLogs: "/var/log/instantworker/egress",
  dockerSocket: "/var/run/docker.sock",
  volumes: "/var/lib/docker/volumes",
} as const;

export interface CellToolsUnitsArgs {
  image: string;
  schedules?: Partial<Record<"scan" | "egress" | "health" | "budget" | "absence", string>>;
}

const ro = (source: string, target = source): Mount => ({ source, target, readOnly: true });
const rw = (source: string, target = source): Mount => ({ source, target, readOnly: false });

/** The five runs of a cell host: four monitors and the daily absence ledger update. */
export function cellToolRuns({ image, schedules = {} }: CellToolsUnitsArgs): ToolRun[] {
  const p = HOST_PATHS;
  const base = { image, envFile: p.envFile, capabilities: [] as string[] };
  const state = (name: string) => rw(`${p.monitorState}/${name}`, "/state");
  const monitor = (name: string, extra: string[] = []) => [
    "monitor",
    name,
    `--cell-file=${p.cellFile}`,
    "--state-dir=/state",
    ...extra,
  ];
  return [
    {
      ...base,
      unit: "iw-monitor-scan",
      description: "InstantWorker transcript and log scanner",
      schedule: schedules.scan ?? "*:0/10",
      // The worker's own uid reads the worker's files and nothing owned by anyone else.
      user: `${WORKER_UID}:${WORKER_UID}`,
      args: monitor("scan", [`--volumes-root=${p.volumes}`]),
      mounts: [ro(p.cellFile), ro(p.volumes), state("scan")],
    },
    {
      ...base,
      unit: "iw-monitor-egress",
      description: "InstantWorker egress denial monitor",
      schedule: schedules.egress ?? "*:0/5",
      user: "0:0",
      capabilities: ["DAC_READ_SEARCH"],
      args: monitor("egress", [`--access-log=${p.egressLogs}/access.log`]),
      mounts: [ro(p.cellFile), ro(p.egressLogs), state("egress")],
    },
    {
      ...base,
      unit: "iw-monitor-health",
      description: "InstantWorker worker health monitor",
      schedule: schedules.health ?? "*:0/2",
      user: "0:0",
      args: monitor("health"),
      mounts: [ro(p.cellFile), rw(p.dockerSocket), state("health")],
    },
    {
      ...base,
      unit: "iw-monitor-budget",
      description: "InstantWorker model budget monitor",
      schedule: schedules.budget ?? "hourly",
      user: "65534:65534",
      args: monitor("budget"),
      mounts: [ro(p.cellFile), state("budget")],
    },
    {
      ...base,
      unit: "iw-lifecycle-absence",
      description: "InstantWorker absence ledger update",
      schedule: schedules.absence ?? "daily",
      user: "0:0",
      args: [
        "purge",
        "record-absence",
        `--cell-file=${p.cellFile}`,
        "--ledger=/ledger/absence.json",
      ],
      mounts: [ro(p.cellFile), rw(p.dockerSocket), rw(p.ledgerDir, "/ledger")],
    },
  ];
}

export interface UnitFile {
  name: string;
  content: string;
}

export function renderCellToolUnits(args: CellToolsUnitsArgs): UnitFile[] {
  return cellToolRuns(args).flatMap((run) => [
    { name: `${run.unit}.service`, content: renderService(run) },
    { name: `${run.unit}.timer`, content: renderTimer(run) },
  ]);
}
