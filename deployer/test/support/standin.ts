/**
 * Test helpers around the STAND-IN Pulumi CLI (`pulumi-standin.cjs`): a throwaway root with
 * `bin/pulumi`, a scenario to play back, and readers for the calls it recorded.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { SemVer } from "semver";

export const STANDIN_VERSION = "3.276.0";
export const ORG = "iw-test";
export const WORKER_TYPE = "instantworker:cell:Worker";

export interface ScriptedStep {
  delayMs?: number;
  exitCode?: number;
  stderr?: string;
  steps?: { op: string; urn: string; type: string }[];
}

export interface Scenario {
  version?: string;
  missingStacks?: string[];
  default?: Partial<Record<"preview" | "up", ScriptedStep | ScriptedStep[]>>;
  stacks?: Record<string, Partial<Record<"preview" | "up", ScriptedStep | ScriptedStep[]>>>;
}

export interface Call {
  id: string;
  command: string;
  stack: string;
  args: string[];
  start: number;
  end?: number;
  exitCode?: number;
}

export class Standin {
  readonly root: string;

  constructor(scenario: Scenario) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), "iw-pulumi-standin-"));
    fs.mkdirSync(path.join(this.root, "bin"));
    const script = path.join(__dirname, "pulumi-standin.cjs");
    const wrapper = `#!/bin/sh\nexec node "${script}" "$(dirname "$0")/.." "$@"\n`;
    fs.writeFileSync(path.join(this.root, "bin", "pulumi"), wrapper, { mode: 0o755 });
    this.setScenario(scenario);
  }

  setScenario(scenario: Scenario): void {
    const full = { version: STANDIN_VERSION, ...scenario };
    fs.writeFileSync(path.join(this.root, "scenario.json"), JSON.stringify(full));
  }

  command(): Promise<PulumiCommand> {
    return PulumiCommand.get({ root: this.root, version: new SemVer(STANDIN_VERSION) });
  }

  /** Every recorded call, start and end paired, in start order. */
  calls(): Call[] {
    const file = path.join(this.root, "calls.jsonl");
    if (!fs.existsSync(file)) return [];
    const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
    const byId = new Map<string, Call>();
    for (const entry of lines.map((l) => JSON.parse(l))) {
      if (entry.phase === "start") byId.set(entry.id, { ...entry, start: entry.at });
      const call = byId.get(entry.id);
      if (entry.phase === "end" && call)
        Object.assign(call, { end: entry.at, exitCode: entry.exitCode });
    }
    return [...byId.values()].sort((a, b) => a.start - b.start);
  }

  ops(command: "preview" | "up", cell?: string): Call[] {
    return this.calls().filter(
      (c) => c.command === command && (cell === undefined || c.stack === `${ORG}/${cell}`),
    );
  }

  /** Holds the stack lock, as an operator's `pulumi up` would. */
  lock(cell: string): void {
    fs.mkdirSync(path.join(this.root, "locks"), { recursive: true });
    fs.writeFileSync(path.join(this.root, "locks", `${ORG}__${cell}`), "operator");
  }

  unlock(cell: string): void {
    fs.rmSync(path.join(this.root, "locks", `${ORG}__${cell}`), { force: true });
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export function workerUrn(cell: string, slug: string, child?: "container" | "data"): string {
  const base = `urn:pulumi:${cell}::instantworker::instantworker:cell:Cell$${WORKER_TYPE}`;
  if (!child) return `${base}::worker-${slug}`;
  const type =
    child === "container" ? "docker:index/container:Container" : "docker:index/volume:Volume";
  return `${base}$${type}::worker-${slug}-${child}`;
}

export function step(op: string, urn: string): { op: string; urn: string; type: string } {
  const qualified = urn.split("::")[2].split("$");
  return { op, urn, type: qualified[qualified.length - 1] };
}
