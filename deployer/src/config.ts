/**
 * The deployer's settings, read once from the environment. Secrets may come from `<NAME>_FILE` (a
 * mounted secret file) instead of the variable itself; their values never appear in an error.
 */
import fs from "node:fs";
import { CELL_PATTERN } from "./intake";

export interface DeployerConfig {
  host: string;
  port: number;
  journalPath: string;
  supabaseSecret: string;
  stripeSecret: string;
  adminToken?: string;
  profilesTable: string;
  org: string;
  cells: string[];
  programDir: string;
  pulumiRoot: string;
  pulumiVersion: string;
  installPulumi: boolean;
  workerType: string;
  maxWorkerDeletes: number;
  maxParallel: number;
  settleMs: number;
  minRunIntervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  fullReconcileMs: number;
  reconcileOnStart: boolean;
  bodyLimitBytes: number;
}

/** Raised with one line per bad or missing setting. */
export class ConfigError extends Error {}

export function readConfig(env: NodeJS.ProcessEnv = process.env): DeployerConfig {
  const problems: string[] = [];
  const r = new Reader(env, problems);
  const config: DeployerConfig = {
    host: r.text("IW_DEPLOYER_HOST", "127.0.0.1"),
    port: r.int("IW_DEPLOYER_PORT", 8080, 0, 65535),
    journalPath: r.text("IW_JOURNAL_PATH", "/var/lib/instantworker-deployer/journal.sqlite"),
    supabaseSecret: r.secret("IW_SUPABASE_WEBHOOK_SECRET"),
    stripeSecret: r.secret("IW_STRIPE_WEBHOOK_SECRET"),
    adminToken: r.secret("IW_DEPLOYER_ADMIN_TOKEN", false) || undefined,
    profilesTable: r.text("IW_PROFILES_TABLE", "profiles"),
    org: r.text("IW_PULUMI_ORG"),
    cells: r.cells("IW_CELLS"),
    programDir: r.text("IW_PROGRAM_DIR"),
    pulumiRoot: r.text("IW_PULUMI_ROOT", "/opt/pulumi"),
    pulumiVersion: r.version("IW_PULUMI_VERSION", "3.276.0"),
    installPulumi: r.bool("IW_PULUMI_INSTALL", true),
    workerType: r.text("IW_WORKER_TYPE", "instantworker:cell:Worker"),
    maxWorkerDeletes: r.int("IW_MAX_WORKER_DELETES", 5, 0, 10_000),
    maxParallel: r.int("IW_MAX_PARALLEL", 2, 1, 64),
    settleMs: r.int("IW_SETTLE_MS", 2_000, 0, 600_000),
    minRunIntervalMs: r.int("IW_MIN_RUN_INTERVAL_MS", 10_000, 0, 3_600_000),
    backoffBaseMs: r.int("IW_BACKOFF_BASE_MS", 5_000, 1, 3_600_000),
    backoffMaxMs: r.int("IW_BACKOFF_MAX_MS", 600_000, 1, 86_400_000),
    fullReconcileMs: r.int("IW_FULL_RECONCILE_MS", 3_600_000, 1_000, 86_400_000 * 7),
    reconcileOnStart: r.bool("IW_RECONCILE_ON_START", true),
    bodyLimitBytes: r.int("IW_BODY_LIMIT_BYTES", 1024 * 1024, 1024, 8 * 1024 * 1024),
  };
  if (problems.length) throw new ConfigError(problems.join("\n"));
  return config;
}

class Reader {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly problems: string[],
  ) {}

  text(name: string, fallback?: string): string {
    const value = this.env[name] ?? fallback;
    if (value === undefined || value === "") {
      this.problems.push(`\`${name}\` is not set (accepted: a non-empty value)`);
      return "";
    }
    return value;
  }

  secret(name: string, required = true): string {
    const file = this.env[`${name}_FILE`];
    const value = file ? readSecretFile(file, name, this.problems) : this.env[name];
    if (!value && required) {
      this.problems.push(`\`${name}\` (or \`${name}_FILE\`) is not set (accepted: a secret value)`);
    }
    return value ?? "";
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(
        `\`${name}\` is \`${raw}\` (accepted: a whole number from ${min} to ${max})`,
      );
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.env[name];
    if (raw === undefined || raw === "") return fallback;
    if (raw === "true" || raw === "false") return raw === "true";
    this.problems.push(`\`${name}\` is \`${raw}\` (accepted: true or false)`);
    return fallback;
  }

  version(name: string, fallback: string): string {
    const value = this.text(name, fallback);
    if (!/^\d+\.\d+\.\d+$/.test(value)) {
      this.problems.push(
        `\`${name}\` is \`${value}\` (accepted: an exact version such as 3.276.0)`,
      );
    }
    return value;
  }

  cells(name: string): string[] {
    const cells = this.text(name)
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean);
    for (const cell of cells) {
      if (!CELL_PATTERN.test(cell)) {
        this.problems.push(
          `\`${name}\` lists \`${cell}\`, not a cell name (accepted: a-z, 0-9, -)`,
        );
      }
    }
    return cells;
  }
}

function readSecretFile(path: string, name: string, problems: string[]): string | undefined {
  try {
    return fs.readFileSync(path, "utf8").trim();
  } catch {
    problems.push(
      `\`${name}_FILE\` names \`${path}\`, which cannot be read (accepted: a readable file)`,
    );
    return undefined;
  }
}
