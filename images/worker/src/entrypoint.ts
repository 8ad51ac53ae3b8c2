/**
 * The worker image's entrypoint. Renders `openclaw.json` with the same renderer the program uses, from
 * the worker's environment and its templates, replaces the exec allowlist with the templates' commands,
 * seeds the workspace, then runs the display, the VNC server, noVNC and the gateway under one
 * supervisor. Logs one JSON object per line, never the model key.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PORTS } from "../../../lib/cell-contract";
import {
  BROWSER_CONTROL_PASSWORD_VARIABLE,
  renderOpenclawJson,
} from "../../../lib/render/openclaw";
import { renderExecApprovals } from "../../../lib/render/openclaw-approvals";
import { type WorkerEnv, WorkerEnvError, parseWorkerEnv } from "../../../lib/render/openclaw-env";
import { TemplateError, loadTemplateCatalog } from "../../../lib/templates";
import { seedWorkspace } from "./workspace";
import { type Log, type ProcessSpec, supervise } from "./supervise";

const OPENCLAW = "/opt/openclaw/node_modules/openclaw/openclaw.mjs";
/** Rendered at every start into the /tmp tmpfs: gone when the container stops, never in /data. */
const RUNTIME_DIR = "/tmp/instantworker";
const DISPLAY = ":99";
const VNC_PORT = 5900;
/** Exit code for a worker misconfigured by its environment (EX_CONFIG): restarting will not help. */
const EXIT_CONFIG = 78;

async function main(): Promise<number> {
  let env: WorkerEnv;
  try {
    env = parseWorkerEnv(process.env);
  } catch (error) {
    if (!(error instanceof WorkerEnvError)) throw error;
    error.problems.forEach((problem) => logLine({ event: "bad-environment", problem }));
    return EXIT_CONFIG;
  }
  const log: Log = (event, fields = {}) =>
    logLine({ event, cell: env.cell, slug: env.slug, ...fields });
  const chosen = chooseTemplates(env, log);
  if (chosen === undefined) return EXIT_CONFIG;
  const { templates, capabilities } = chosen;

  const home = writableHome(log);
  const stateDir = process.env.OPENCLAW_STATE_DIR ?? "/data/state";
  fs.mkdirSync(RUNTIME_DIR, { recursive: true, mode: 0o700 });
  const configPath = path.join(RUNTIME_DIR, "openclaw.json");
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(configPath, renderOpenclawJson({ env, capabilities }), { mode: 0o600 });
  seedWorkspace(templates);
  const gatewayEnv = {
    ...process.env,
    HOME: home,
    [BROWSER_CONTROL_PASSWORD_VARIABLE]: randomBytes(24).toString("hex"),
    OPENCLAW_CONFIG_PATH: configPath,
    OPENCLAW_STATE_DIR: stateDir,
    OPENCLAW_SUPERVISOR_MODE: "external",
    DISPLAY,
  };
  const approvalsPath = path.join(RUNTIME_DIR, "exec-approvals.json");
  fs.writeFileSync(approvalsPath, JSON.stringify(renderExecApprovals(capabilities)), {
    mode: 0o600,
  });
  execFileSync(process.execPath, [OPENCLAW, "approvals", "set", "--file", approvalsPath], {
    env: gatewayEnv,
    stdio: ["ignore", "ignore", "inherit"],
  });
  log("configured", { templates: capabilities.templateIds, browser: capabilities.browser });
  return supervise(workerProcesses(gatewayEnv), log);
}

/**
 * HOME is a tmpfs the container spec mounts; Docker mounts it owned by root unless the spec passes
 * `uid=`/`gid=`. Rather than fail, the worker moves HOME under /tmp (always world-writable) and says so.
 */
function writableHome(log: Log): string {
  const home = process.env.HOME ?? "/home/worker";
  try {
    fs.accessSync(home, fs.constants.W_OK);
    return home;
  } catch {
    const fallback = "/tmp/worker-home";
    fs.mkdirSync(fallback, { recursive: true, mode: 0o700 });
    log("home-not-writable", { home, using: fallback });
    return fallback;
  }
}

function chooseTemplates(env: WorkerEnv, log: Log) {
  const dir = process.env.IW_TEMPLATE_DIR ?? "/opt/instantworker/worker-templates";
  try {
    const catalog = loadTemplateCatalog(dir);
    const capabilities = catalog.combine(env.templates);
    return { templates: env.templates.map((id) => catalog.get(id)), capabilities };
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    error.problems.forEach((problem) => log("bad-templates", { problem }));
    return undefined;
  }
}

function workerProcesses(gatewayEnv: NodeJS.ProcessEnv): ProcessSpec[] {
  return [
    {
      name: "xvfb",
      command: "Xvfb",
      args: [DISPLAY, "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-nolisten", "unix"],
    },
    {
      name: "x11vnc",
      // Local only: the one way in from outside is noVNC, which the edge reaches.
      command: "x11vnc",
      args: [
        "-display",
        DISPLAY,
        "-localhost",
        "-rfbport",
        String(VNC_PORT),
        "-forever",
        "-shared",
        "-nopw",
        "-quiet",
        "-wait",
        "50",
      ],
    },
    {
      name: "novnc",
      command: "websockify",
      args: ["--web", "/usr/share/novnc", `0.0.0.0:${PORTS.novnc}`, `127.0.0.1:${VNC_PORT}`],
    },
    {
      name: "gateway",
      command: process.execPath,
      args: [OPENCLAW, "gateway", "run"],
      env: gatewayEnv,
    },
  ];
}

function logLine(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    logLine({
      event: "entrypoint-failed",
      error: error instanceof Error ? error.message : String(error),
    });
    process.exit(1);
  },
);
