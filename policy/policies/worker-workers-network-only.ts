import { NETWORKS } from "../../lib/cell-contract";
import { resourcePolicy } from "../lib/define";
import { isWorker, networksOf, show, TYPES } from "../lib/resource";

export const workerWorkersNetworkOnly = resourcePolicy({
  name: "worker-workers-network-only",
  description:
    "Checks that every worker container is attached to the internal workers network and nothing else.",
  types: [TYPES.container],
  applies: isWorker,
  defaults: { workersNetwork: NETWORKS.workers as string },
  check({ props, config }) {
    const networks = networksOf(props);
    if (networks.length === 1 && networks[0] === config.workersNetwork) return [];
    return [
      `must be attached only to the \`${config.workersNetwork}\` network; it is attached to ${show(networks)}`,
    ];
  },
});
