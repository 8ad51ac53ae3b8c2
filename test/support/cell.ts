/**
 * Runs the real cell program under Pulumi's mocks (no Pulumi CLI or engine exists on these machines) and
 * returns every resource it declared, with the exact inputs it would send to the engine.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { SECRET_KEYS } from "../../lib/config";
import { runCell } from "../../lib/program";

export interface DeclaredResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  urn: string;
  /** The resource options the program gave, as the engine would receive them. */
  opts: pulumi.ResourceOptions;
  /** The parent's URN, or undefined for a resource directly under the stack. */
  parent?: string;
}

export interface MockRun {
  resources: DeclaredResource[];
  outputs: Record<string, unknown>;
  byType(type: string): DeclaredResource[];
  one(type: string, name: string): DeclaredResource;
}

export interface MockOptions {
  stack?: "dev" | "prod";
  /** Replaces or adds `instantworker:*` keys (without the namespace) on top of the stack file. */
  config?: Record<string, unknown>;
  /** Raw roster rows; defaults to the stack's own roster source. */
  roster?: unknown[];
  /** The previous deploy's running workers, as the stack's last outputs would hold them. */
  previous?: string[];
  env?: NodeJS.ProcessEnv;
  /** Keys set without `--secret`, to check the program refuses credentials in plain text. */
  plainKeys?: string[];
}

const ROOT = path.resolve(__dirname, "..", "..");

/** Throwaway secrets, generated per process: no credential is ever committed as a fixture. */
export const TEST_SECRETS: Record<string, string> = Object.fromEntries(
  SECRET_KEYS.map((k) => [
    k,
    `${k === "modelGatewayMasterKey" ? "sk-" : ""}test-${randomBytes(16).toString("hex")}`,
  ]),
);

export function stackConfig(stack: "dev" | "prod"): Record<string, unknown> {
  const doc = parse(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config as Record<string, unknown>)) {
    if (k.startsWith("instantworker:")) raw[k.slice("instantworker:".length)] = v;
  }
  return raw;
}

export async function declareCellUnderMocks(options: MockOptions = {}): Promise<MockRun> {
  const stack = options.stack ?? "dev";
  const resources: DeclaredResource[] = [];
  const optsByName = new Map<string, pulumi.ResourceOptions>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const urn = urnOf(stack, args.type, args.name);
        const opts = optsByName.get(`${args.type}::${args.name}`) ?? {};
        const parent = opts.parent as unknown as
          { __pulumiType?: string; __name?: string } | undefined;
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          urn,
          opts,
          parent: parent?.__name ? urnOf(stack, parent.__pulumiType!, parent.__name) : undefined,
        });
        const state =
          args.type === "pulumi:pulumi:StackReference"
            ? { outputs: options.previous ? { activeWorkers: options.previous } : {} }
            : { ...args.inputs };
        return { id: `${args.name}-id`, state };
      },
      call: () => ({}),
    },
    "instantworker",
    stack,
    false,
    "organization",
  );
  const raw = { ...stackConfig(stack), ...TEST_SECRETS, ...(options.config ?? {}) };
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) all[`instantworker:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  }
  const secretKeys = SECRET_KEYS.filter(
    (k) => raw[k] !== undefined && !options.plainKeys?.includes(k),
  );
  pulumi.runtime.setAllConfig(
    all,
    secretKeys.map((k) => `instantworker:${k}`),
  );

  const rosterSource = options.roster
    ? { describe: () => "test roster", load: async () => options.roster! }
    : undefined;
  // A failing program is caught inside the stack callback: left to reject there, the SDK would also
  // reject the root stack's outputs with no one listening, which crashes the test process.
  let failure: unknown;
  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      optsByName.set(`${args.type}::${args.name}`, args.opts);
      return undefined;
    });
    try {
      return await runCell({ rosterSource, env: options.env ?? {} });
    } catch (err) {
      failure = err;
      return {};
    }
  });
  await settle(resources);
  if (failure) throw failure;
  return {
    resources,
    outputs: (outputs ?? {}) as Record<string, unknown>,
    byType: (type) => resources.filter((r) => r.type === type),
    one(type, name) {
      const found = resources.find((r) => r.type === type && r.name === name);
      if (!found) throw new Error(`no ${type} named ${name} was declared`);
      return found;
    },
  };
}

export function unwrap<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Waits until no new resource registers for a few turns of the event loop. */
async function settle(resources: DeclaredResource[]): Promise<void> {
  let quiet = 0;
  let count = -1;
  while (quiet < 5) {
    await new Promise((r) => setTimeout(r, 5));
    quiet = resources.length === count ? quiet + 1 : 0;
    count = resources.length;
  }
}

/** The engine's marker for a secret value in mocked inputs. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export function isSecretValue(value: unknown): boolean {
  return typeof value === "object" && value !== null && SECRET_SIG in value;
}

/** A mocked input with any secret wrapper removed, for assertions on its plain value. */
export function plain<T = any>(value: unknown): T {
  return (isSecretValue(value) ? (value as { value: T }).value : value) as T;
}

/** A flat URN: enough to match resources to their parents, not the engine's nested form. */
function urnOf(stack: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::instantworker::${type}::${name}`;
}

/** The worker containers a run declared, told apart from the cell's services by their role label. */
export function workerContainers(run: MockRun): DeclaredResource[] {
  const isWorker = (l: { label: string; value: string }) =>
    l.label === "instantworker.role" && l.value === "worker";
  return run
    .byType("docker:index/container:Container")
    .filter((c) => c.inputs.labels?.some(isWorker));
}
