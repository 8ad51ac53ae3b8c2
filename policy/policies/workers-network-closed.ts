import { NETWORKS } from "../../lib/cell-contract";
import { resourcePolicy } from "../lib/define";
import { show, TYPES } from "../lib/resource";

const ICC = "com.docker.network.bridge.enable_icc";

export const workersNetworkClosed = resourcePolicy({
  name: "workers-network-closed",
  description:
    "Checks that the workers network is internal and has inter-container traffic off, and that the cell's other internal networks stay internal.",
  types: [TYPES.network],
  defaults: {
    workersNetwork: NETWORKS.workers as string,
    internalNetworks: [NETWORKS.workers, NETWORKS.edge, NETWORKS.modelDb] as string[],
  },
  check({ props, config }) {
    const problems: string[] = [];
    if (config.internalNetworks.includes(props.name) && props.internal !== true) {
      problems.push(`must be internal (\`internal: true\`); it is ${show(props.internal)}`);
    }
    const icc = props.options?.[ICC];
    if (props.name === config.workersNetwork && String(icc) !== "false") {
      problems.push(
        `must turn inter-container traffic off (\`${ICC}: "false"\`); it is ${show(icc)}`,
      );
    }
    return problems;
  },
});
