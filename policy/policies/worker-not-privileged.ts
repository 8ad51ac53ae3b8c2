import { resourcePolicy } from "../lib/define";
import { isWorker, TYPES } from "../lib/resource";

export const workerNotPrivileged = resourcePolicy({
  name: "worker-not-privileged",
  description: "Checks that no worker container runs privileged.",
  types: [TYPES.container],
  applies: isWorker,
  check({ props }) {
    return props.privileged === true ? ["must not run privileged (`privileged: true`)"] : [];
  },
});
