import { resourcePolicy } from "../lib/define";
import { asArray, isWorker, TYPES } from "../lib/resource";

export const workerNoPublishedPorts = resourcePolicy({
  name: "worker-no-published-ports",
  description: "Checks that no worker container publishes a port on the host.",
  types: [TYPES.container],
  applies: isWorker,
  check({ props }) {
    const problems: string[] = [];
    const ports = asArray(props.ports);
    if (ports.length > 0) {
      const shown = ports.map((p) => `${p?.external ?? "?"}:${p?.internal ?? "?"}`).join(", ");
      problems.push(`must publish no port; it publishes ${shown}`);
    }
    if (props.publishAllPorts === true)
      problems.push("must publish no port; `publishAllPorts` is true");
    return problems;
  },
});
