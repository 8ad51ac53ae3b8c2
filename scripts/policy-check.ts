/**
 * `npm run policy:check`: runs the whole policy pack over the resources the real cell program declares
 * under Pulumi's mocks (a stand-in for the engine, which cannot run here), for the dev and the prod
 * configuration with a realistic roster. Prints violations as the CLI groups them and exits 1 on any
 * mandatory one. Unlike `pulumi preview --policy-pack`, it sees the registered `retainOnDelete` option.
 */
import type * as pulumi from "@pulumi/pulumi";
import { formatViolations, type PackResource, runPack } from "../policy/lib/runner";
import {
  type DeclaredResource,
  type MockOptions,
  SECRET_SIG,
  declareCellUnderMocks,
  stackConfig,
} from "../test/support/cell";

export const STACKS = ["dev", "prod"] as const;

/** The program's resources for `options.stack`, shaped as CrossGuard hands them to the pack. */
export async function packResourcesUnderMocks(options: MockOptions): Promise<PackResource[]> {
  const run = await declareCellUnderMocks(options);
  return run.resources.map((r) => toPackResource(r, run.resources));
}

export function toPackResource(r: DeclaredResource, all: DeclaredResource[]): PackResource {
  const custom = !r.type.startsWith("instantworker:") && r.type !== "pulumi:pulumi:Stack";
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    // The mocks give every custom resource the id `<name>-id` (test/support/cell.ts); the engine's
    // stack view carries bridged resources' ids in their outputs the same way.
    props: { ...unwrapSecrets(r.inputs), ...(custom ? { id: `${r.name}-id` } : {}) },
    opts: {
      protect: r.opts.protect === true,
      ignoreChanges: r.opts.ignoreChanges ?? [],
      deleteBeforeReplace: (r.opts as pulumi.CustomResourceOptions).deleteBeforeReplace,
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      parent: r.parent,
      retainOnDelete: r.opts.retainOnDelete === true,
    },
    parent: r.parent,
    dependencies: dependencyUrns(r.opts.dependsOn, all),
  };
}

/** CrossGuard gives policies plain values; the mocks keep secrets wrapped, at any depth. */
export function unwrapSecrets(value: unknown): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value !== "object" || value === null) return value;
  if (SECRET_SIG in value) return unwrapSecrets((value as unknown as { value: unknown }).value);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
}

function dependencyUrns(dependsOn: pulumi.ResourceOptions["dependsOn"], all: DeclaredResource[]) {
  const list = (Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : []) as unknown[];
  return list.flatMap((d) => {
    const { __pulumiType: type, __name: name } = d as { __pulumiType?: string; __name?: string };
    return all.filter((r) => r.type === type && r.name === name).map((r) => r.urn);
  });
}

/**
 * A roster like a real cell's: every plan, both states, browser and non-browser templates, and
 * untrusted assistant names with quotes, newlines, markup and non-Latin text.
 */
export function realisticRoster(cell: string): unknown[] {
  const rows: Array<[string, string, string, string[], string]> = [
    ["ada", "simple", "active", ["web-research"], "Ada"],
    ["grace", "expert", "active", ["x-engagement", "reddit-engagement"], 'Grace "the" helper'],
    ["linus", "legend", "active", ["blog-writer", "news-monitor", "job-scout"], "Linus\nline two"],
    ["margaret", "expert", "suspended", ["blog-writer"], "Margaret"],
    ["edsger", "simple", "active", ["daily-planner"], "</script><b>Edsger</b> ${HOME}"],
    ["barbara", "legend", "active", ["study-coach", "newsletter-writer"], "バーバラ ✓"],
    ["donald", "simple", "suspended", ["instagram-engagement"], "x".repeat(10_000)],
  ];
  return rows.map(([slug, plan, state, templates, assistant_name], i) => ({
    user_id: `6f1c2f4e-1d2a-4c3b-9e8f-${(0xa000 + i).toString(16).padStart(12, "0")}`,
    slug,
    cell,
    slot: i * 3,
    plan,
    state,
    templates,
    assistant_name,
  }));
}

async function main(): Promise<number> {
  let mandatory = 0;
  for (const stack of STACKS) {
    const cell = String(stackConfig(stack).cell);
    const resources = await packResourcesUnderMocks({ stack, roster: realisticRoster(cell) });
    const violations = await runPack(resources);
    mandatory += violations.filter((v) => v.enforcementLevel === "mandatory").length;
    console.log(
      `Policy pack over stack \`${stack}\` (${resources.length} resources, under mocks):`,
    );
    console.log(violations.length === 0 ? "    no violations" : formatViolations(violations));
  }
  return mandatory === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      // A program that cannot be declared is a failed check, told in its own sentences.
      console.error(`policy check could not run: ${err.message}`);
      process.exit(1);
    },
  );
}
