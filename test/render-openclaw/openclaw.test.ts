import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ACKNOWLEDGED_AUDIT_CHECKS,
  MODEL_PROVIDER,
  renderOpenclawConfig,
  renderOpenclawJson,
} from "../../lib/render/openclaw";
import { renderExecApprovals } from "../../lib/render/openclaw-approvals";
import { loadTemplateCatalog } from "../../lib/templates";
import { requireComponent } from "../support/requires";
import { capabilities, workerEnv } from "./fixtures";
import { openclawInstalled, validateWithOpenclaw } from "./validator";

describe("renderOpenclawConfig", () => {
  test("trusts only the edge proxy and admits only the worker's own user", () => {
    const env = workerEnv({ edgeProxy: "10.230.4.2" });
    const { gateway } = renderOpenclawConfig({ env, capabilities: capabilities() });
    assert.equal(gateway.mode, "local");
    assert.equal(gateway.port, 18789);
    assert.deepEqual(gateway.trustedProxies, ["10.230.4.2"]);
    assert.equal(gateway.auth.mode, "trusted-proxy");
    assert.equal(gateway.auth.trustedProxy.userHeader, "x-instantworker-user");
    assert.deepEqual(gateway.auth.trustedProxy.allowUsers, [env.userId]);
    assert.deepEqual(gateway.controlUi.allowedOrigins, [env.publicOrigin]);
    assert.equal("token" in gateway.auth, false);
  });

  test("gives the browser control service a password from the environment, never a value", () => {
    const { gateway } = renderOpenclawConfig({ env: workerEnv(), capabilities: capabilities() });
    assert.equal(gateway.auth.password, "${IW_BROWSER_CONTROL_PASSWORD}");
  });

  test("never grants operator.admin to auto-approved browsers", () => {
    const { gateway } = renderOpenclawConfig({ env: workerEnv(), capabilities: capabilities() });
    const scopes = gateway.auth.trustedProxy.deviceAutoApprove.scopes;
    assert.ok(scopes.length > 0);
    assert.equal(scopes.includes("operator.admin"), false);
  });

  test("routes every model through the cell's model gateway with an env reference for the key", () => {
    const env = workerEnv({ models: ["claude-haiku", "claude-sonnet"] });
    const { models, agents } = renderOpenclawConfig({ env, capabilities: capabilities() });
    assert.equal(models.mode, "replace");
    assert.deepEqual(Object.keys(models.providers), [MODEL_PROVIDER]);
    const provider = models.providers[MODEL_PROVIDER];
    assert.equal(provider.baseUrl, env.modelGatewayUrl);
    assert.equal(provider.apiKey, "${IW_MODEL_KEY}");
    assert.equal(provider.request.allowPrivateNetwork, true);
    assert.deepEqual(
      provider.models.map((m) => m.id),
      ["claude-haiku", "claude-sonnet"],
    );
    assert.equal(agents.defaults.model.primary, "instantworker/claude-haiku");
    assert.equal(models.catalogRefresh.enabled, false);
  });

  test("takes tools and heartbeat from the capabilities and confines files to the workspace", () => {
    const caps = capabilities({
      toolProfile: "messaging",
      toolsAllow: ["browser", "web_fetch"],
      toolsDeny: ["gateway", "terminal"],
      heartbeatMinutes: 45,
    });
    const { tools, agents } = renderOpenclawConfig({ env: workerEnv(), capabilities: caps });
    assert.equal(tools.profile, "messaging");
    assert.deepEqual(tools.alsoAllow, ["browser", "web_fetch"]);
    assert.deepEqual(tools.deny, ["automations", "gateway", "terminal"]);
    assert.equal(tools.fs.workspaceOnly, true);
    assert.equal(tools.elevated.enabled, false);
    assert.equal(tools.exec.mode, "allowlist");
    assert.equal(agents.defaults.heartbeat.every, "45m");
    assert.equal(agents.defaults.workspace, "/data/workspace");
  });

  test("denies exec outright when no template grants a command", () => {
    const caps = capabilities({ execCommands: [] });
    const { tools } = renderOpenclawConfig({ env: workerEnv(), capabilities: caps });
    assert.equal(tools.exec.mode, "deny");
  });

  test("turns the browser off when no template needs one", () => {
    const caps = capabilities({ browser: false, egressDomains: [] });
    const config = renderOpenclawConfig({ env: workerEnv(), capabilities: caps });
    assert.deepEqual(config.browser, { enabled: false });
  });

  test("switches off discovery, update checks, telemetry and installs", () => {
    const config = renderOpenclawConfig({ env: workerEnv(), capabilities: capabilities() });
    assert.equal(config.discovery.mdns.mode, "off");
    assert.equal(config.update.checkOnStart, false);
    assert.equal(config.update.auto.enabled, false);
    assert.equal(config.telemetry.enabled, false);
    assert.equal(config.plugins.entries["memory-core"].config.dreaming.enabled, false);
    assert.equal(config.security.installPolicy.enabled, true);
    assert.equal(config.security.installPolicy.exec.command, "/bin/false");
    assert.deepEqual(
      config.security.audit.suppressions.map((s) => s.checkId),
      ACKNOWLEDGED_AUDIT_CHECKS,
    );
  });

  test("carries a hostile assistant name as data without breaking the file", () => {
    const hostile = `"}, "gateway": {"auth": {"mode": "none"}}, "x": {"\n\\u0000 ${"é".repeat(9_900)}`;
    const text = renderOpenclawJson({
      env: workerEnv({ assistantName: hostile }),
      capabilities: capabilities(),
    });
    const parsed = JSON.parse(text);
    assert.equal(parsed.agents.entries.main.identity.name, hostile.trim());
    assert.equal(parsed.gateway.auth.mode, "trusted-proxy");
  });

  test("leaves the identity out when the assistant has no name", () => {
    const { agents } = renderOpenclawConfig({
      env: workerEnv({ assistantName: "   " }),
      capabilities: capabilities(),
    });
    assert.deepEqual(agents.entries.main, {});
  });
});

describe("renderExecApprovals", () => {
  test("lists exactly the templates' exec commands for the main agent", () => {
    const file = renderExecApprovals({ execCommands: ["/usr/bin/jq", "/usr/bin/wc"] });
    assert.deepEqual(file, {
      version: 1,
      defaults: {},
      agents: { main: { allowlist: [{ pattern: "/usr/bin/jq" }, { pattern: "/usr/bin/wc" }] } },
    });
  });
});

describe("the real openclaw config validate", { concurrency: 3 }, () => {
  const catalog = loadTemplateCatalog();
  const cases = [
    ...catalog.ids().map((id) => [id]),
    catalog
      .ids()
      .filter((id) => catalog.offeredTo(id, "legend"))
      .slice(0, 5),
  ];

  for (const ids of cases) {
    test(`accepts the config of a worker running ${ids.join(" + ")}`, async (t) => {
      if (!(await requireComponent(t, "openclaw", openclawInstalled))) return;
      const env = workerEnv({ templates: ids, assistantName: 'Ada "the" helper\n' });
      const text = renderOpenclawJson({ env, capabilities: catalog.combine(ids) });
      const result = await validateWithOpenclaw(text);
      assert.deepEqual(result.issues, []);
      assert.deepEqual(result.warnings, []);
      assert.equal(result.valid, true);
    });
  }

  test("rejects a config carrying a key OpenClaw does not know", async (t) => {
    if (!(await requireComponent(t, "openclaw", openclawInstalled))) return;
    const config = renderOpenclawConfig({ env: workerEnv(), capabilities: capabilities() });
    const broken = { ...config, tools: { ...config.tools, filesystem: { allow: ["/"] } } };
    const result = await validateWithOpenclaw(JSON.stringify(broken));
    assert.equal(result.valid, false);
    assert.ok(result.issues.some((issue) => issue.message.includes("filesystem")));
  });
});
