/**
 * The shape every policy in the pack shares: mandatory, described "Checks that …", thresholds read from
 * pack configuration with the defaults below, and each violation a sentence "<Resource> must …".
 */
import type {
  PolicyConfigSchema,
  PolicyResourceOptions,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { describe, type Props } from "./resource";

type JsonSchema = PolicyConfigSchema["properties"][string];

/** Options as CrossGuard passes them, plus `retainOnDelete` where the runner can see it (see data policy). */
export type SubjectOptions = PolicyResourceOptions & { retainOnDelete?: boolean };

export interface Subject<C> {
  type: string;
  name: string;
  urn: string;
  props: Props;
  opts: SubjectOptions;
  config: C;
}

export interface ResourcePolicySpec<C extends object> {
  name: string;
  description: string;
  types: readonly string[];
  /** Narrows the policy to some resources of those types, e.g. workers only. */
  applies?: (props: Props) => boolean;
  defaults?: C;
  /** Each returned text completes the sentence after the resource's name: "must …". */
  check(subject: Subject<C>): string[];
}

export function resourcePolicy<C extends object = {}>(
  spec: ResourcePolicySpec<C>,
): ResourceValidationPolicy {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: "mandatory",
    configSchema: schemaFor(spec.defaults),
    validateResource(args, report) {
      if (!spec.types.includes(args.type)) return;
      if (spec.applies && !spec.applies(args.props)) return;
      const config = withDefaults(spec.defaults, args.getConfig<Partial<C>>());
      const subject = { ...args, config, opts: args.opts as SubjectOptions };
      const who = describe(args.type, args.props, args.name);
      for (const problem of spec.check(subject)) report(`${who} ${problem}`);
    },
  };
}

export interface StackPolicySpec<C extends object> {
  name: string;
  description: string;
  defaults?: C;
  validateStack(
    args: StackValidationArgs,
    config: C,
    report: (message: string, urn?: string) => void,
  ): void;
}

export function stackPolicy<C extends object = {}>(
  spec: StackPolicySpec<C>,
): StackValidationPolicy {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: "mandatory",
    configSchema: schemaFor(spec.defaults),
    validateStack(args, report) {
      const config = withDefaults(spec.defaults, args.getConfig<Partial<C>>());
      spec.validateStack(args, config, report);
    },
  };
}

function withDefaults<C extends object>(defaults: C | undefined, given: Partial<C> | undefined): C {
  return { ...(defaults ?? ({} as C)), ...(given ?? {}) };
}

/** The pack's configuration schema, generated from the defaults so the two cannot drift apart. */
function schemaFor(defaults: object | undefined): PolicyConfigSchema | undefined {
  if (!defaults) return undefined;
  const properties: Record<string, JsonSchema> = {};
  for (const [key, value] of Object.entries(defaults)) {
    const type = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
    properties[key] = { type: type as JsonSchema["type"], default: value };
  }
  return { properties };
}
