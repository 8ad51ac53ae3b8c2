import { resourcePolicy } from "../lib/define";
import { isWorker, show, TYPES } from "../lib/resource";

export const workerResourceLimits = resourcePolicy({
  name: "worker-resource-limits",
  description:
    "Checks that every worker container has a memory limit inside the allowed range with no extra swap, and a CPU limit.",
  types: [TYPES.container],
  applies: isWorker,
  // The range spans the plans (simple 2048 MB to legend 4096 MB, 1 to 2 CPUs) with room below for tests.
  defaults: { minMemoryMb: 256, maxMemoryMb: 4096, maxCpus: 2 },
  check({ props, config }) {
    const problems: string[] = [];
    const memory = props.memory;
    const range = `${config.minMemoryMb} to ${config.maxMemoryMb} MB`;
    if (typeof memory !== "number" || memory < config.minMemoryMb || memory > config.maxMemoryMb) {
      problems.push(`must have a memory limit of ${range}; \`memory\` is ${show(memory)}`);
    } else if (props.memorySwap !== memory) {
      problems.push(
        `must not swap beyond its memory limit (\`memorySwap\` equal to \`memory\`, ${memory}); \`memorySwap\` is ${show(props.memorySwap)}`,
      );
    }
    const cpus = Number(props.cpus);
    if (props.cpus === undefined || !Number.isFinite(cpus) || cpus <= 0 || cpus > config.maxCpus) {
      problems.push(
        `must have a CPU limit above 0 and at most ${config.maxCpus}; \`cpus\` is ${show(props.cpus)}`,
      );
    }
    return problems;
  },
});
