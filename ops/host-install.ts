/**
 * Renders the shell scripts that put the cell tools' files on the host: the cell file on every deploy,
 * and the units, state directories and secrets file when they change. Files travel base64-encoded so no
 * content can break the script's quoting; the secrets arrive on stdin and never appear in the script.
 * `IW_HOST_ROOT` prefixes every path (empty on a real host) so the script can be exercised in a scratch
 * directory.
 */
import { WORKER_UID } from "../lib/cell-contract";
import { HOST_PATHS, type UnitFile } from "../lib/render/systemd";

const UNIT_DIR = "/etc/systemd/system";
const NOBODY = 65534;

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

function writeFile(path: string, content: string, mode: string): string {
  return `printf '%s' '${b64(content)}' | base64 -d > "$R${path}.tmp" && chmod ${mode} "$R${path}.tmp" && mv "$R${path}.tmp" "$R${path}"`;
}

export function renderCellFileScript(cellFileJson: string): string {
  return [
    "set -euo pipefail",
    'R="${IW_HOST_ROOT:-}"',
    `install -d -m 0755 "$R${HOST_PATHS.etc}"`,
    writeFile(HOST_PATHS.cellFile, cellFileJson, "0644"),
    "",
  ].join("\n");
}

/** Secrets for the env file, one `NAME=value` line each; values may not hold newlines. */
export function renderEnvFile(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => {
      if (/[\r\n]/.test(value))
        throw new Error(`Secret \`${name}\` contains a line break; one line is accepted.`);
      return `${name}=${value}\n`;
    })
    .join("");
}

export function renderUnitsScript(units: UnitFile[]): string {
  const p = HOST_PATHS;
  const timers = units.filter((u) => u.name.endsWith(".timer")).map((u) => u.name);
  return [
    "set -euo pipefail",
    'R="${IW_HOST_ROOT:-}"',
    `install -d -m 0755 "$R${p.etc}" "$R${p.egressLogs}" "$R${p.monitorState}" "$R${UNIT_DIR}"`,
    `install -d -m 0700 "$R${p.ledgerDir}" "$R${p.monitorState}/egress" "$R${p.monitorState}/health"`,
    `install -d -m 0700 -o ${WORKER_UID} -g ${WORKER_UID} "$R${p.monitorState}/scan"`,
    `install -d -m 0700 -o ${NOBODY} -g ${NOBODY} "$R${p.monitorState}/budget"`,
    `(umask 077 && cat > "$R${p.envFile}.tmp") && mv "$R${p.envFile}.tmp" "$R${p.envFile}"`,
    ...units.map((u) => writeFile(`${UNIT_DIR}/${u.name}`, u.content, "0644")),
    "systemctl daemon-reload",
    `systemctl enable --now ${timers.join(" ")}`,
    "",
  ].join("\n");
}

/** Stops the timers and removes the units; state, ledger and archives stay (nothing is deleted implicitly). */
export function renderUnitsRemovalScript(units: UnitFile[]): string {
  const timers = units.filter((u) => u.name.endsWith(".timer")).map((u) => u.name);
  return [
    "set -euo pipefail",
    'R="${IW_HOST_ROOT:-}"',
    `systemctl disable --now ${timers.join(" ")} || true`,
    ...units.map((u) => `rm -f "$R${UNIT_DIR}/${u.name}"`),
    "systemctl daemon-reload",
    "",
  ].join("\n");
}
