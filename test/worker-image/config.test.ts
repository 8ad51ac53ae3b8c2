import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ACKNOWLEDGED_AUDIT_CHECKS, renderOpenclawConfig } from "../../lib/render/openclaw";
import { loadTemplateCatalog } from "../../lib/templates";
import { dockerAvailable, requireComponent } from "../support/requires";
import { workerEnv } from "../render-openclaw/fixtures";
import { WORKER_IMAGE, ensureWorkerImage, sh } from "./harness";

const catalog = loadTemplateCatalog();
const multi = catalog
  .ids()
  .filter((id) => catalog.offeredTo(id, "legend"))
  .slice(0, 5);
const cases: Record<string, unknown> = {};
for (const ids of [...catalog.ids().map((id) => [id]), multi]) {
  const env = workerEnv({ templates: ids, userId: randomUUID(), assistantName: 'Ada "x"\n' });
  cases[ids.join("+")] = renderOpenclawConfig({ env, capabilities: catalog.combine(ids) });
}
// The control: the same config granting admin to every proxied browser, which the audit must flag.
const control = renderOpenclawConfig({ env: workerEnv(), capabilities: catalog.combine(multi) });
control.gateway.auth.trustedProxy.deviceAutoApprove.scopes = ["operator.admin"];
cases["control-admin-scopes"] = control;

/** Validates and audits one case (a directory holding openclaw.json) as the worker user. */
const CHECK = `set -eu
n=$(basename "$1"); h="/tmp/$n"; mkdir -m 700 -p "$h"
cp "$1/openclaw.json" "$h/openclaw.json"; chmod 600 "$h/openclaw.json"
export HOME="$h" OPENCLAW_STATE_DIR="$h/state" OPENCLAW_CONFIG_PATH="$h/openclaw.json"
export IW_MODEL_KEY=sk-audit-only IW_BROWSER_CONTROL_PASSWORD=audit-only
openclaw config validate --json >"/out/$n.validate.json" 2>/dev/null || true
openclaw security audit --json >"/out/$n.audit.json" 2>/dev/null || true
`;

describe("rendered configs inside the worker image", { timeout: 1_800_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "iw-worker-configs-"));
  let ran = false;

  before(async () => {
    if (!dockerAvailable()) return;
    await ensureWorkerImage();
    mkdirSync(path.join(dir, "out"));
    chmodSync(path.join(dir, "out"), 0o777);
    for (const [name, config] of Object.entries(cases)) {
      mkdirSync(path.join(dir, "cfg", name), { recursive: true });
      writeFileSync(path.join(dir, "cfg", name, "openclaw.json"), JSON.stringify(config));
    }
    writeFileSync(path.join(dir, "check.sh"), CHECK);
    chmodSync(dir, 0o755);
    const result = await sh(
      "docker",
      [
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "sh",
        "-v",
        `${path.join(dir, "cfg")}:/cfg:ro`,
        "-v",
        `${path.join(dir, "check.sh")}:/check.sh:ro`,
        "-v",
        `${path.join(dir, "out")}:/out`,
        WORKER_IMAGE,
        "-c",
        "ls -d /cfg/*/ | xargs -P 2 -n 1 sh /check.sh",
      ],
      1_700_000,
    );
    if (result.code !== 0) throw new Error(`the check run failed: ${result.stderr.trim()}`);
    ran = true;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const read = (name: string, kind: "validate" | "audit") =>
    JSON.parse(readFileSync(path.join(dir, "out", `${name}.${kind}.json`), "utf8"));

  for (const name of Object.keys(cases).filter((n) => !n.startsWith("control-"))) {
    test(`${name}: passes openclaw config validate with no warning`, async (t) => {
      if (!(await requireComponent(t, "docker", () => ran))) return;
      const result = read(name, "validate");
      assert.deepEqual(result.issues ?? [], []);
      assert.deepEqual(result.warnings, []);
      assert.equal(result.valid, true);
    });

    test(`${name}: has no critical finding in openclaw security audit`, async (t) => {
      if (!(await requireComponent(t, "docker", () => ran))) return;
      const audit = read(name, "audit");
      const critical = audit.findings.filter(
        (f: { severity: string }) => f.severity === "critical",
      );
      assert.deepEqual(critical, []);
      assert.equal(audit.summary.critical, 0);
      const suppressed = audit.findings.find(
        (f: { checkId: string }) => f.checkId === "security.audit.suppressions.active",
      );
      assert.ok(suppressed, "the acknowledged check is listed as suppressed");
      assert.deepEqual(ACKNOWLEDGED_AUDIT_CHECKS, ["gateway.trusted_proxy_auth"]);
    });
  }

  test("the audit flags a config that hands admin to every proxied browser", async (t) => {
    if (!(await requireComponent(t, "docker", () => ran))) return;
    const audit = read("control-admin-scopes", "audit");
    assert.ok(audit.summary.critical > 0, JSON.stringify(audit.summary));
  });
});
