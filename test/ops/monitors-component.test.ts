import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { before, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { Monitors } from "../../components/monitors";
import { renderCellToolUnits } from "../../lib/render/systemd";
import { renderEnvFile, renderUnitsScript } from "../../ops/host-install";

const masterKey = `sk-${randomBytes(12).toString("hex")}`;
const recorded: Array<{ type: string; name: string; inputs: Record<string, any> }> = [];
const workers = [{ slug: "ann-w", slot: 0, state: "active" as const }];

before(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "instantworker",
    "test",
    false,
  );
});

async function declare(overrides: Record<string, unknown> = {}) {
  const monitors = new Monitors("ops", {
    host: { kind: "local" },
    cell: "dev",
    workersSubnet: "10.210.0.0/22",
    workers,
    toolsImage: "instantworker/cell-tools:latest",
    alertWebhook: pulumi.secret("https://hooks.example.net/T0/abc"),
    modelGatewayMasterKey: pulumi.secret(masterKey),
    ...overrides,
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  return monitors;
}

test("installs the cell file and the units through two host commands, secrets on stdin only", async () => {
  const monitors = await declare();
  assert.equal(monitors.units.length, 10);
  const commands = recorded.filter((r) => r.type === "command:local:Command");
  assert.deepEqual(commands.map((c) => c.name).sort(), ["ops-cell-file", "ops-units"]);
  const units = commands.find((c) => c.name === "ops-units")!;
  assert.equal(JSON.stringify(units.inputs.create).includes(masterKey), false);
  assert.ok(JSON.stringify(units.inputs.stdin).includes(masterKey));
  assert.match(String(units.inputs.delete), /systemctl disable --now iw-monitor-scan\.timer/);
  const cellFile = commands.find((c) => c.name === "ops-cell-file")!;
  assert.match(String(cellFile.inputs.create), /cell\.json/);
});

test("refuses a worker the tools would refuse, before declaring anything", async () => {
  const before = recorded.length;
  await assert.rejects(
    declare({ workers: [{ slug: "Bad_Slug", slot: 0, state: "active" }] }),
    /Cell file `the Monitors arguments` has a bad `workers.0.slug`/,
  );
  assert.equal(recorded.length, before);
});

test("the install script lays out files, modes and owners (systemctl is a recording stand-in)", () => {
  const root = mkdtempSync(join(tmpdir(), "iw-install-"));
  try {
    const bin = join(root, "stub-bin");
    mkdirSync(bin);
    // STAND-IN: no systemd runs in this container; this systemctl records how it was called.
    writeFileSync(join(bin, "systemctl"), `#!/bin/sh\necho "$@" >> "${root}/systemctl.calls"\n`);
    chmodSync(join(bin, "systemctl"), 0o755);
    const units = renderCellToolUnits({ image: "instantworker/cell-tools:latest" });
    execFileSync("bash", ["-c", renderUnitsScript(units)], {
      input: renderEnvFile({ IW_MODEL_GATEWAY_MASTER_KEY: masterKey }),
      env: { PATH: `${bin}:${process.env.PATH}`, IW_HOST_ROOT: root },
    });
    const env = join(root, "etc/instantworker/cell-tools.env");
    assert.equal(readFileSync(env, "utf8"), `IW_MODEL_GATEWAY_MASTER_KEY=${masterKey}\n`);
    assert.equal(statSync(env).mode & 0o777, 0o600);
    assert.equal(statSync(join(root, "var/lib/instantworker/monitors/scan")).uid, 10001);
    assert.equal(
      readFileSync(join(root, "etc/systemd/system/iw-monitor-scan.service"), "utf8"),
      units.find((u) => u.name === "iw-monitor-scan.service")!.content,
    );
    const calls = readFileSync(join(root, "systemctl.calls"), "utf8").trim().split("\n");
    assert.equal(calls[0], "daemon-reload");
    assert.match(calls[1], /^enable --now iw-monitor-scan\.timer .*iw-lifecycle-absence\.timer$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("refuses a secret with a line break", () => {
  assert.throws(() => renderEnvFile({ IW_ALERT_WEBHOOK: "https://x\nIW_OTHER=1" }), {
    message: "Secret `IW_ALERT_WEBHOOK` contains a line break; one line is accepted.",
  });
});
