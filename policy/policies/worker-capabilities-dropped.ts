import { resourcePolicy } from "../lib/define";
import { asArray, isWorker, show, TYPES } from "../lib/resource";

export const workerCapabilitiesDropped = resourcePolicy({
  name: "worker-capabilities-dropped",
  description:
    "Checks that every worker container drops all Linux capabilities and adds none back.",
  types: [TYPES.container],
  applies: isWorker,
  check({ props }) {
    const problems: string[] = [];
    const drops = asArray(props.capabilities?.drops).map((c) => String(c).toUpperCase());
    const adds = asArray(props.capabilities?.adds);
    if (!drops.includes("ALL")) {
      problems.push(`must drop every capability (\`ALL\`); it drops ${show(drops)}`);
    }
    if (adds.length > 0) problems.push(`must add no capability; it adds ${show(adds)}`);
    return problems;
  },
});
