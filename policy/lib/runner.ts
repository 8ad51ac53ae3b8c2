/**
 * Runs the pack in this process over a list of resources, the way the CrossGuard analyzer would call it:
 * every resource policy on every resource, then every stack policy once over all of them. Used by the
 * tests and by `npm run policy:check`, where no Pulumi CLI exists to host the pack.
 */
import type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { POLICIES } from "../policies";
import type { SubjectOptions } from "./define";

export interface PackResource {
  type: string;
  name: string;
  urn: string;
  /** Plain values: secrets already unwrapped, as CrossGuard hands them to policies. */
  props: Record<string, any>;
  opts: SubjectOptions;
  parent?: string;
  dependencies?: string[];
}

export interface Violation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  message: string;
  /** The resource the violation is about; undefined when it is about the stack as a whole. */
  urn?: string;
}

export type PackPolicy = Policies[number];

export interface RunOptions {
  policies?: PackPolicy[];
  /** Per-policy configuration, as `pulumi preview --policy-pack-config` would pass it. */
  config?: Record<string, object>;
}

export async function runPack(resources: PackResource[], options: RunOptions = {}) {
  const policies = options.policies ?? POLICIES;
  const violations: Violation[] = [];
  for (const policy of policies) {
    const level = policy.enforcementLevel ?? "advisory";
    const config = () => (options.config?.[policy.name] ?? {}) as any;
    const report = (urn?: string) => (message: string, at?: string) =>
      violations.push({ policy: policy.name, enforcementLevel: level, message, urn: at ?? urn });
    if ("validateStack" in policy) {
      const stack = {
        resources: policyResources(resources),
        stackTags: new Map(),
        getConfig: config,
      };
      await (policy as StackValidationPolicy).validateStack(
        { ...stack, notApplicable: notApplicable },
        report(),
      );
      continue;
    }
    const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
    for (const r of resources) {
      const args = { ...r, stackTags: new Map(), getConfig: config, notApplicable } as unknown;
      for (const validate of validations)
        await validate(args as ResourceValidationArgs, report(r.urn));
    }
  }
  return violations;
}

function notApplicable(reason?: string): never {
  throw new Error(
    `policies in this pack match on type tokens; notApplicable(${reason}) is not used`,
  );
}

/** The stack view: parents and dependencies as resource objects, as the analyzer builds them. */
function policyResources(resources: PackResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  for (const r of resources) {
    byUrn.set(r.urn, {
      ...r,
      parent: undefined,
      dependencies: [],
      propertyDependencies: {},
    } as any);
  }
  for (const r of resources) {
    const target = byUrn.get(r.urn)!;
    // A parent outside the list (a hand-built fixture's) still has an identity to compare by.
    target.parent = r.parent
      ? (byUrn.get(r.parent) ?? ({ urn: r.parent } as PolicyResource))
      : undefined;
    target.dependencies = (r.dependencies ?? []).flatMap((u) => byUrn.get(u) ?? []);
  }
  return [...byUrn.values()];
}

/** The CLI's report: violations grouped under the resource they name, stack-wide ones first. */
export function formatViolations(violations: Violation[]): string {
  const groups = new Map<string, Violation[]>();
  for (const v of violations) {
    const key = v.urn ?? "(stack)";
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const lines: string[] = [];
  for (const [urn, group] of groups) {
    lines.push(`    ${urn}`);
    for (const v of group) lines.push(`        ${v.enforcementLevel}: [${v.policy}] ${v.message}`);
  }
  return lines.join("\n");
}
