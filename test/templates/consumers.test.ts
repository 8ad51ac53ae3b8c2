import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { type WorkerCapabilities, loadTemplateCatalog } from "../../lib/templates";
import { hasCommand, requireComponent } from "../support/requires";
import { OPENCLAW_BIN } from "./openclaw-package";

const catalog = loadTemplateCatalog();
const run = promisify(execFile);
let tmp = "";

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "iw-template-consumers-"));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** One template alone, and a few combinations a legend subscriber could pick. */
function choices(): string[][] {
  const ids = catalog.ids();
  return [
    ...ids.map((id) => [id]),
    [
      "instagram-engagement",
      "facebook-groups",
      "x-engagement",
      "youtube-community",
      "tiktok-engagement",
    ],
    ["x-engagement", "blog-writer", "release-monitor"],
    ["daily-planner", "study-coach", "web-research"],
  ];
}

/** Every choice's domains as one ACL each, the way the egress proxy keys allowlists per worker. */
function squidConfig(lists: string[][]): string {
  const lines = ["http_port 127.0.0.1:3128"];
  lists.forEach((domains, i) => {
    if (domains.length === 0) return;
    lines.push(`acl worker${i} src 10.210.0.${16 + i}/32`);
    lines.push(`acl allowed${i} dstdomain -n ${domains.join(" ")}`);
    lines.push(`http_access allow worker${i} allowed${i}`);
  });
  lines.push("http_access deny all", "");
  return lines.join("\n");
}

function squidParse(config: string): { status: number | null; output: string } {
  const file = path.join(tmp, `squid-${Math.random().toString(36).slice(2)}.conf`);
  fs.writeFileSync(file, config);
  const result = spawnSync("squid", ["-k", "parse", "-f", file], { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("real Squid accepts the combined egress domains", () => {
  it("parses every template's and combination's list without a warning", async (t) => {
    if (!(await requireComponent(t, "squid", () => hasCommand("squid")))) return;
    const lists = choices().map((ids) => catalog.combine(ids).egressDomains);
    const { status, output } = squidParse(squidConfig(lists));
    assert.equal(status, 0, output);
    assert.doesNotMatch(output, /WARNING|FATAL/);
  });

  it("refuses a list holding both forms of one domain, which the loader refuses too", async (t) => {
    if (!(await requireComponent(t, "squid", () => hasCommand("squid")))) return;
    const { status, output } = squidParse(squidConfig([[".x.com", "x.com"]]));
    assert.equal(status, 1);
    assert.match(output, /FATAL/);
  });
});

/** The tool settings of the `openclaw.json` the worker image renders from capabilities. */
function toolSettings(c: WorkerCapabilities): object {
  return {
    profile: c.toolProfile,
    ...(c.toolsAllow.length > 0 ? { alsoAllow: c.toolsAllow } : {}),
    deny: c.toolsDeny,
    fs: { workspaceOnly: true },
    exec: { mode: c.execCommands.length > 0 ? "allowlist" : "deny" },
  };
}

function workerConfig(c: WorkerCapabilities): object {
  return {
    gateway: { mode: "local" },
    browser: { enabled: c.browser },
    agents: { defaults: { heartbeat: { every: `${c.heartbeatMinutes}m` } } },
    tools: toolSettings(c),
  };
}

interface Validation {
  valid: boolean;
  issues?: { path: string; message: string }[];
}

async function openclawValidate(name: string, config: object): Promise<Validation> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "openclaw.json"), JSON.stringify(config));
  const env = {
    ...process.env,
    HOME: dir,
    OPENCLAW_STATE_DIR: path.join(dir, "state"),
    OPENCLAW_CONFIG_PATH: path.join(dir, "openclaw.json"),
  };
  const result = await run(OPENCLAW_BIN, ["config", "validate", "--json"], { env }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? "" }),
  );
  return JSON.parse(result.stdout) as Validation;
}

const haveOpenclaw = () => fs.existsSync(OPENCLAW_BIN);

describe("real OpenClaw accepts the tool settings of every choice", () => {
  it("validates each template and combination as the tools of one agent", async (t) => {
    if (!(await requireComponent(t, "openclaw", haveOpenclaw))) return;
    // One agent per choice keeps this to one CLI start instead of eighteen.
    const entries = Object.fromEntries(
      choices().map((ids, i) => [`choice-${i}`, { tools: toolSettings(catalog.combine(ids)) }]),
    );
    const result = await openclawValidate("agents", {
      gateway: { mode: "local" },
      agents: { ownership: "explicit", entries },
    });
    assert.deepEqual(result.issues ?? [], []);
    assert.equal(result.valid, true);
  });

  it("validates whole worker configs for a combination of each profile", async (t) => {
    if (!(await requireComponent(t, "openclaw", haveOpenclaw))) return;
    const combos = [
      ["x-engagement", "news-monitor"],
      ["blog-writer", "web-research"],
      ["daily-planner"],
    ];
    const results = await Promise.all(
      combos.map((ids, i) => openclawValidate(`worker-${i}`, workerConfig(catalog.combine(ids)))),
    );
    assert.deepEqual(
      results.map((r) => r.valid),
      [true, true, true],
      JSON.stringify(results.map((r) => r.issues)),
    );
    assert.deepEqual(
      combos.map((ids) => catalog.combine(ids).toolProfile),
      ["minimal", "coding", "messaging"],
    );
  });

  it("rejects a tool setting it does not know, so the checks above can fail", async (t) => {
    if (!(await requireComponent(t, "openclaw", haveOpenclaw))) return;
    const c = catalog.combine(["blog-writer"]);
    const result = await openclawValidate(
      "negative",
      workerConfig({ ...c, toolProfile: "everything" as "full" }),
    );
    assert.equal(result.valid, false);
    assert.equal(result.issues?.[0]?.path, "tools.profile");
  });
});
