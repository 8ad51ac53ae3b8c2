import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import {
  OPENCLAW_PROFILE_TOOLS,
  OPENCLAW_TOOL_ALIASES,
  OPENCLAW_TOOL_GROUPS,
  OPENCLAW_VERSION,
  isOpenClawToolName,
} from "../../lib/templates/openclaw-tools";
import { requireComponent } from "../support/requires";
import { OPENCLAW_NODE, OPENCLAW_PACKAGE } from "./openclaw-package";

/**
 * Runs under the package's own Node 24 and prints what its tool catalog really holds. The bundler renames
 * exports between releases, so they are found by shape, not by name.
 */
const PROBE = `
const fs = await import("node:fs");
const dist = process.argv[1] + "/dist";
const chunk = (prefix) => {
  const found = fs.readdirSync(dist).filter((f) => f.startsWith(prefix) && f.endsWith(".mjs"));
  if (found.length !== 1) throw new Error(prefix + " chunks found: " + found.length);
  return dist + "/" + found[0];
};
const attempt = (f, arg) => { try { return f(arg); } catch { return undefined; } };
const catalog = Object.values(await import(chunk("tool-catalog-")));
const policy = Object.values(await import(chunk("tool-policy-shared-")));
const groups = catalog.find((v) => v && typeof v === "object" && !Array.isArray(v) && "group:fs" in v);
const profileOf = catalog.find((v) => typeof v === "function" && attempt(v, "coding")?.allow?.includes?.("read"));
const normalise = policy.find((v) => typeof v === "function" && v.length === 1 && attempt(v, "bash") === "exec");
const source = fs.readFileSync(chunk("tool-policy-shared-"), "utf8");
const aliasBlock = source.match(/TOOL_NAME_ALIASES = [^\\n]*new Map\\(\\[([\\s\\S]*?)\\]\\);/)[1];
const aliases = Object.fromEntries([...aliasBlock.matchAll(/\\["([^"]+)", "([^"]+)"\\]/g)].map((m) => [m[1], m[2]]));
const profiles = Object.fromEntries(["minimal", "messaging", "coding"].map((p) => [p, profileOf(p).allow]));
const version = JSON.parse(fs.readFileSync(process.argv[1] + "/package.json", "utf8")).version;
console.log(JSON.stringify({ version, groups, profiles, aliases, bashIs: normalise("bash") }));
`;

function installedCatalog() {
  const out = execFileSync(OPENCLAW_NODE, ["--input-type=module", "-e", PROBE, OPENCLAW_PACKAGE], {
    encoding: "utf8",
  });
  return JSON.parse(out) as {
    version: string;
    groups: Record<string, string[]>;
    profiles: Record<string, string[]>;
    aliases: Record<string, string>;
    bashIs: string;
  };
}

const installed = () => fs.existsSync(path.join(OPENCLAW_PACKAGE, "package.json"));

describe("OpenClaw tool names kept as data", () => {
  it("match the installed package's tool groups, profiles and aliases", async (t) => {
    if (!(await requireComponent(t, "openclaw", installed))) return;
    const real = installedCatalog();
    assert.equal(real.version, OPENCLAW_VERSION);
    assert.deepEqual(OPENCLAW_TOOL_GROUPS, real.groups);
    assert.deepEqual(OPENCLAW_PROFILE_TOOLS, real.profiles);
    assert.deepEqual(OPENCLAW_TOOL_ALIASES, real.aliases);
    assert.equal(real.bashIs, "exec");
  });

  it("know real tools and groups and refuse invented ones", () => {
    for (const name of ["browser", "exec", "group:runtime", "bash", "cron", "group:plugins"]) {
      assert.equal(isOpenClawToolName(name), true, name);
    }
    for (const name of ["filesystem", "discord", "group:everything", "Browser", ""]) {
      assert.equal(isOpenClawToolName(name), false, name);
    }
  });
});
