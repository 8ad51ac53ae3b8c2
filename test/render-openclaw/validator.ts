/**
 * Runs the real, pinned OpenClaw CLI (installed by scripts/install-openclaw.sh) on a rendered config in
 * a throwaway state directory, because `config validate` writes state migrations.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

export const OPENCLAW_CLI = path.resolve(__dirname, "../../.cache/openclaw/bin/openclaw");

export const openclawInstalled = () => existsSync(OPENCLAW_CLI);

export interface Validation {
  valid: boolean;
  issues: { path: string; message: string }[];
  warnings: { path: string; message: string }[];
}

export async function validateWithOpenclaw(configJson: string): Promise<Validation> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "iw-openclaw-validate-"));
  try {
    const config = path.join(dir, "openclaw.json");
    writeFileSync(config, configJson, { mode: 0o600 });
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      OPENCLAW_STATE_DIR: path.join(dir, "state"),
      OPENCLAW_CONFIG_PATH: config,
      IW_MODEL_KEY: "sk-validate-only",
      IW_BROWSER_CONTROL_PASSWORD: "validate-only",
    };
    const { stdout } = await promisify(execFile)(OPENCLAW_CLI, ["config", "validate", "--json"], {
      env,
      timeout: 60_000,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const parsed = JSON.parse(stdout) as Partial<Validation>;
    return {
      valid: parsed.valid === true,
      issues: parsed.issues ?? [],
      warnings: parsed.warnings ?? [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
