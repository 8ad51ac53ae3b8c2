/**
 * Small JSON state files (cursors, the absence ledger). Writes go to a temporary file that is renamed
 * over the old one, so a monitor killed mid-write leaves the previous state, never half a file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { OpsError } from "./errors";

export function readState<T>(path: string, empty: () => T): T {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return empty();
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new OpsError(`State file \`${path}\` is not valid JSON; move it aside to start afresh.`);
  }
}

export function writeState(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
