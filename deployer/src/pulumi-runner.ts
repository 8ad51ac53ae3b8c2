/**
 * Runs the cell program for one cell through the Automation API: select the stack, preview, refuse when
 * a deletion guard trips, then update (targeted when the preview allows it). The CLI is injected as a
 * `PulumiCommand`, so production pins and installs a version and tests put a stand-in behind it.
 */
import {
  CommandError,
  type EngineEvent,
  LocalWorkspace,
  PulumiCommand,
} from "@pulumi/pulumi/automation";
import { SemVer } from "semver";
import { type PreviewStep, planUpdate } from "./plan";

export interface CellRunRequest {
  cell: string;
  /** Refresh first, so drift made outside Pulumi shows in the preview (periodic reconciles). */
  refresh: boolean;
}

export interface CellRunOutcome {
  state: "updated" | "unchanged";
  targets?: string[];
  changes: Record<string, number>;
}

export interface CellRunner {
  run(request: CellRunRequest): Promise<CellRunOutcome>;
}

/** A run stopped on purpose: the program's deletion guard or the deployer's own bound tripped. */
export class DeletionGuardRefusal extends Error {}

export interface AutomationRunnerOptions {
  pulumiCommand: PulumiCommand;
  /** Pulumi organisation; stacks are `<org>/<cell>`. */
  org: string;
  /** The repository root holding `Pulumi.yaml`. */
  workDir: string;
  /** Type token of the worker component, used to recognise worker resources in a preview. */
  workerType: string;
  /** Most running workers one run may stop, counted in the preview. */
  maxWorkerDeletes: number;
  envVars?: Record<string, string>;
}

/** The program's guard says "deletion guard" or "the roster would remove N of M running workers". */
const GUARD_PATTERN = /deletion guard|roster would remove \d+ of \d+ running workers/i;

export class AutomationRunner implements CellRunner {
  constructor(private readonly options: AutomationRunnerOptions) {}

  async run({ cell, refresh }: CellRunRequest): Promise<CellRunOutcome> {
    const { org, workDir, pulumiCommand, envVars, workerType, maxWorkerDeletes } = this.options;
    const stack = await LocalWorkspace.selectStack(
      { stackName: `${org}/${cell}`, workDir },
      { pulumiCommand, envVars },
    );
    const steps: PreviewStep[] = [];
    const collect = (event: EngineEvent) => {
      const meta = event.resourcePreEvent?.metadata;
      if (meta) steps.push({ op: meta.op, urn: meta.urn, type: meta.type });
    };
    let changes: Record<string, number>;
    try {
      changes = (await stack.preview({ refresh, color: "never", onEvent: collect })).changeSummary;
    } catch (err) {
      const guard = err instanceof CommandError ? guardSentence(err) : undefined;
      if (guard) throw new DeletionGuardRefusal(guard);
      throw err;
    }

    const plan = planUpdate(steps, workerType);
    if (plan.workerDeletes.length > maxWorkerDeletes) {
      throw new DeletionGuardRefusal(
        `the preview of cell ${cell} stops ${plan.workerDeletes.length} running workers, more than ` +
          `the deployer's bound of ${maxWorkerDeletes}; an operator must run this update by hand`,
      );
    }
    if (!plan.changed) return { state: "unchanged", changes };
    await stack.up({ refresh, color: "never", target: plan.targets });
    return { state: "updated", targets: plan.targets, changes };
  }
}

function guardSentence(err: CommandError): string | undefined {
  const line = stderrOf(err)
    .split("\n")
    .find((l) => GUARD_PATTERN.test(l));
  return line?.trim().slice(0, 1000);
}

/** The SDK keeps the command's stderr on a field its types mark private; the message repeats it. */
function stderrOf(err: CommandError): string {
  const result = (err as unknown as { commandResult?: { stderr?: unknown } }).commandResult;
  return typeof result?.stderr === "string" ? result.stderr : err.message;
}

/** The last lines of a failed command's stderr: what the engine said, without the whole log. */
export function failureSummary(err: unknown): string {
  if (err instanceof CommandError) {
    const lines = stderrOf(err)
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    return lines.slice(-4).join(" | ").slice(0, 1000);
  }
  return err instanceof Error ? err.message.slice(0, 1000) : String(err).slice(0, 1000);
}

/**
 * The pinned CLI under `root`, installed there on first start. Without `install` a missing CLI is an
 * error, which is what tests and air-gapped runners want.
 */
export async function pinnedPulumi(root: string, version: string, install: boolean) {
  try {
    return await PulumiCommand.get({ root, version: new SemVer(version) });
  } catch (err) {
    if (!install) throw err;
    return PulumiCommand.install({ root, version: new SemVer(version) });
  }
}
