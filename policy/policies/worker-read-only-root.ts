import { resourcePolicy } from "../lib/define";
import { isWorker, show, TYPES } from "../lib/resource";

export const workerReadOnlyRoot = resourcePolicy({
  name: "worker-read-only-root",
  description: "Checks that every worker container has a read-only root filesystem.",
  types: [TYPES.container],
  applies: isWorker,
  check({ props }) {
    if (props.readOnly === true) return [];
    return [
      `must have a read-only root filesystem (\`readOnly: true\`); it is ${show(props.readOnly)}`,
    ];
  },
});
