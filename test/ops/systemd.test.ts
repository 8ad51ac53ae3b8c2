import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hasCommand, requireComponent } from "../support/requires";
import {
  cellToolRuns,
  renderCellToolUnits,
  renderService,
  type ToolRun,
} from "../../lib/render/systemd";

const IMAGE = "instantworker/cell-tools:latest";

test("renders a service and a timer for each monitor and the absence ledger", () => {
  const names = renderCellToolUnits({ image: IMAGE }).map((u) => u.name);
  assert.deepEqual(names, [
    "iw-monitor-scan.service",
    "iw-monitor-scan.timer",
    "iw-monitor-egress.service",
    "iw-monitor-egress.timer",
    "iw-monitor-health.service",
    "iw-monitor-health.timer",
    "iw-monitor-budget.service",
    "iw-monitor-budget.timer",
    "iw-lifecycle-absence.service",
    "iw-lifecycle-absence.timer",
  ]);
});

test("runs every tool confined: read-only, no capabilities beyond those named, no new privileges", () => {
  for (const unit of renderCellToolUnits({ image: IMAGE }).filter((u) =>
    u.name.endsWith(".service"),
  )) {
    const exec = unit.content.split("\n").find((l) => l.startsWith("ExecStart="))!;
    for (const flag of [
      "--read-only",
      "--cap-drop=ALL",
      "--security-opt=no-new-privileges",
      "--pids-limit=64",
    ]) {
      assert.ok(exec.includes(flag), `${unit.name} has ${flag}`);
    }
    const added = exec.match(/--cap-add=\S+/g) ?? [];
    assert.deepEqual(
      added,
      unit.name.startsWith("iw-monitor-egress") ? ["--cap-add=DAC_READ_SEARCH"] : [],
    );
  }
});

test("gives the Docker socket only to the runs that restart or list containers", () => {
  const withSocket = cellToolRuns({ image: IMAGE })
    .filter((run) => run.mounts.some((m) => m.source === "/var/run/docker.sock"))
    .map((run) => run.unit);
  assert.deepEqual(withSocket, ["iw-monitor-health", "iw-lifecycle-absence"]);
  const scan = cellToolRuns({ image: IMAGE }).find((r) => r.unit === "iw-monitor-scan")!;
  assert.equal(scan.user, "10001:10001");
  assert.ok(scan.mounts.every((m) => m.readOnly || m.target === "/state"));
});

test("refuses a schedule that would break out of its line", () => {
  const run = cellToolRuns({ image: IMAGE })[0];
  assert.throws(
    () => renderService({ ...run, schedule: "daily\nExecStartPost=/bin/sh" } as ToolRun),
    {
      message:
        "Schedule `daily\nExecStartPost=/bin/sh` is not accepted; use a systemd calendar expression such as `*:0/10`.",
    },
  );
  assert.throws(() => renderService({ ...run, args: ["monitor", "scan --dry-run"] }), {
    message: "Argument `scan --dry-run` is not accepted; use letters, digits and @+=:,./_- only.",
  });
});

test("systemd-analyze accepts every unit and every schedule", async (t) => {
  if (
    !(await requireComponent(
      t,
      "systemd-analyze",
      () => hasCommand("systemd-analyze") && hasCommand("docker"),
    ))
  )
    return;
  const dir = mkdtempSync(join(tmpdir(), "iw-units-"));
  try {
    const units = renderCellToolUnits({ image: IMAGE });
    for (const unit of units) writeFileSync(join(dir, unit.name), unit.content);
    const verify = spawnSync(
      "systemd-analyze",
      ["verify", ...units.map((u) => join(dir, u.name))],
      {
        encoding: "utf8",
      },
    );
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), "", "no warnings");
    for (const run of cellToolRuns({ image: IMAGE })) {
      execFileSync("systemd-analyze", ["calendar", run.schedule], { stdio: "ignore" });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
