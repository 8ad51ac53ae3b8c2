/**
 * The program's entry: configuration, templates and roster are read and validated in full before the
 * first resource is declared, so a bad input stops the deploy with sentences, not a half-applied cell.
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { declareCell } from "./cell";
import { type CellConfig, parseCellConfig, rawConfigFrom } from "./config";
import { FileRosterSource } from "./roster/file";
import { loadRoster } from "./roster/load";
import { SupabaseRosterSource } from "./roster/supabase";
import { RosterError, type RosterSource } from "./roster/types";
import { loadTemplateCatalog } from "./templates";

export const REPO_ROOT = path.resolve(__dirname, "..");

/** The one-run override of the deletion guard: the exact number of workers the operator means to stop. */
export const ALLOW_REMOVALS_ENV = "INSTANTWORKER_ALLOW_REMOVALS";

export interface ProgramOptions {
  /** Replaces the configured roster source (tests, and the deployer's dry runs). */
  rosterSource?: RosterSource;
  env?: NodeJS.ProcessEnv;
}

export async function runCell(options: ProgramOptions = {}) {
  try {
    const config = readConfig();
    const catalog = loadTemplateCatalog();
    const source = options.rosterSource ?? rosterSourceFor(config);
    const roster = await loadRoster(
      source,
      {
        cell: config.cell,
        workers: config.network.workers,
        plans: config.plans,
        templates: catalog,
      },
      {
        previous: await previousActiveWorkers(),
        ...config.deletionGuard,
        allowRemovals: allowRemovals(options.env ?? process.env),
        overrideName: `the environment variable ${ALLOW_REMOVALS_ENV}`,
      },
    );
    return declareCell({ config, roster, templates: catalog });
  } catch (err) {
    // A RunError is reported as its message alone: the operator reads sentences, not a stack. Every
    // component checks its arguments with such sentences before declaring anything; the stack of an
    // unexpected failure stays available in the engine's debug log.
    if (pulumi.RunError.isInstance(err) || !(err instanceof Error)) throw err;
    pulumi.log.debug(err.stack ?? err.message);
    throw new pulumi.RunError(err.message);
  }
}

export function readConfig(): CellConfig {
  const all = pulumi.runtime.allConfig();
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret(k: string): boolean })
    .isConfigSecret;
  const secretKeys = new Set(
    Object.keys(all)
      .filter((k) => isSecret(k))
      .map((k) => k.slice(k.indexOf(":") + 1)),
  );
  return parseCellConfig(rawConfigFrom(all), secretKeys);
}

function rosterSourceFor(config: CellConfig): RosterSource {
  const roster = config.roster;
  if (roster.source === "file") return new FileRosterSource(path.resolve(REPO_ROOT, roster.path));
  return new SupabaseRosterSource({
    ...roster,
    cell: config.cell,
    password: config.secrets.rosterDatabasePassword ?? "",
  });
}

function allowRemovals(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[ALLOW_REMOVALS_ENV];
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new RosterError([`${ALLOW_REMOVALS_ENV}=${JSON.stringify(raw)} is not a whole number`]);
  }
  return Number(raw);
}

/**
 * The previous deploy's running workers, read from this stack's own last outputs. The stack's state is
 * the record of what was really deployed; the database only says what should be.
 */
async function previousActiveWorkers(): Promise<string[] | undefined> {
  const self = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
  const ref = new pulumi.StackReference("previous-deploy", { name: self });
  const details = await ref.getOutputDetails("activeWorkers");
  const value = details.value ?? details.secretValue;
  return Array.isArray(value) ? value.map(String) : undefined;
}
