import type { PolicyResource } from "@pulumi/policy";
import { stackPolicy } from "../lib/define";
import { describe, isWorker, show, TYPES } from "../lib/resource";

const COMMAND_TYPES: string[] = [TYPES.localCommand, TYPES.remoteCommand];

/**
 * `docker.Container` has no pids limit, so the program creates each worker stopped and a host command,
 * replaced whenever the container id changes, sets the limit, reads it back and only then starts it.
 * This stack policy proves that chain for every worker: the limit is in force before its first process.
 */
export const workerPidsLimit = stackPolicy({
  name: "worker-pids-limit",
  description:
    "Checks that every worker container is created stopped and started only by a command, under the same parent and triggered by its id, that sets a pids limit no higher than the maximum, reads it back, and then starts it.",
  defaults: { maxPidsLimit: 200 },
  validateStack(args, config, report) {
    const commands = args.resources.filter((r) => COMMAND_TYPES.includes(r.type));
    for (const worker of args.resources) {
      if (worker.type !== TYPES.container || !isWorker(worker.props)) continue;
      const who = describe(worker.type, worker.props, worker.name);
      for (const problem of pidsProblems(worker, commands, config.maxPidsLimit)) {
        report(`${who} ${problem}`, worker.urn);
      }
    }
  },
});

function pidsProblems(worker: PolicyResource, commands: PolicyResource[], max: number): string[] {
  const problems: string[] = [];
  if (worker.props.start !== false) {
    problems.push(
      `must be created stopped (\`start: false\`) so its pids limit is in force before its first process; \`start\` is ${show(worker.props.start)}`,
    );
  }
  const starters = commands.filter((c) => startedBy(worker, c));
  if (starters.length === 0) {
    return [
      ...problems,
      "must be started by a command under the same parent whose `triggers` include its id",
    ];
  }
  const id = String(worker.props.id ?? worker.urn);
  const verdicts = starters.map((c) => scriptProblem(String(c.props.create ?? ""), id, max));
  return verdicts.includes(undefined) ? problems : [...problems, verdicts[0]!];
}

/** Same parent, and replaced with the container: its triggers carry the id (or depend on it, while unknown). */
function startedBy(worker: PolicyResource, command: PolicyResource): boolean {
  if (command.parent?.urn !== worker.parent?.urn) return false;
  const triggers = Array.isArray(command.props.triggers) ? command.props.triggers : [];
  if (typeof worker.props.id === "string") return triggers.includes(worker.props.id);
  return (command.propertyDependencies?.triggers ?? []).some((d) => d.urn === worker.urn);
}

/** Reads the start script step by step; returns what is wrong with it, or undefined when it holds. */
function scriptProblem(script: string, id: string, max: number): string | undefined {
  const steps = script.split(/\n|&&|;/).map((s) => s.trim());
  if (!steps.some((s) => /^set -[a-z]*e/.test(s))) {
    return "must be started by a script that stops at the first failure (`set -e`)";
  }
  const update = steps.findIndex((s) => /^docker update\b/.test(s) && s.includes(id));
  const limit = Number(/--pids-limit[= ](-?\d+)/.exec(steps[update] ?? "")?.[1]);
  if (update < 0 || !Number.isInteger(limit)) {
    return `must have its pids limit set with \`docker update --pids-limit\` on its id before it starts`;
  }
  if (limit < 1 || limit > max) {
    return `must have a pids limit between 1 and ${max}; its start command sets ${limit}`;
  }
  const readBack = steps.findIndex(
    (s, i) =>
      i > update &&
      /docker inspect/.test(s) &&
      s.includes("PidsLimit") &&
      s.includes(String(limit)),
  );
  const start = steps.findIndex((s) => /^docker start\b/.test(s) && s.includes(id));
  if (readBack < 0) {
    return `must have its pids limit read back with \`docker inspect\` (\`PidsLimit\` = ${limit}) before it starts`;
  }
  if (start < readBack)
    return "must be started with `docker start` only after its pids limit is read back";
  return undefined;
}
